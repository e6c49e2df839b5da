import GetscreenSimulator

/// Starts `simulator`, runs `body` with it, then awaits its shutdown, whether `body` returned or threw.
/// - Returns: what `body` returns.
/// - Throws: what starting, `body` or, after a `body` that returned, shutting down throws.
func withRunning<Value>(
    _ simulator: GetscreenSimulator, isolation: isolated (any Actor)? = #isolation,
    _ body: (GetscreenSimulator) async throws -> Value
) async throws -> Value {
    try await simulator.start()
    let value: Value
    do {
        value = try await body(simulator)
    } catch {
        try? await simulator.shutdown()
        throw error
    }
    try await simulator.shutdown()
    return value
}
