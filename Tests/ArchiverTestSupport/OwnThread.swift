import Foundation

/// Runs `body` on a thread of its own and waits for it: for watchers that must act within a fraction of a second
/// (kill a run mid-transfer), which a loaded machine's cooperative test threads can hold up for seconds.
public func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}

/// Polls `condition` every millisecond, on the calling thread, until it holds or `timeout` seconds pass.
/// - Returns: whether it held.
@discardableResult
public func poll(timeout: Double, until condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        guard Date() < deadline else { return false }
        usleep(1_000)
    }
    return true
}
