import Foundation
import GetscreenSimulator

// `getscreen-simulator`: the Getscreen API simulator as a process of its own, for `getscreen-archiver demo` (so
// that the shipped archiver does not carry SwiftNIO). It serves a seeded dataset on a free loopback port, prints
// its base URL as the first line on standard output, and stops when standard input closes (the demo ended, or
// died) or on SIGTERM. The API key comes from the environment, never from the command line, where `ps` shows it.
//
//   GETSCREEN_SIMULATOR_KEY=KEY getscreen-simulator [--seed N] [--sessions N] [--agents N] [--page-limit N]

/// The value after `name` on the command line, as an integer, or `fallback`.
func option(_ name: String, default fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name) else { return fallback }
    guard index + 1 < arguments.count, let value = Int(arguments[index + 1]), value > 0 else {
        FileHandle.standardError.write(Data("getscreen-simulator: \(name) needs a positive number\n".utf8))
        exit(2)
    }
    return value
}

guard let key = ProcessInfo.processInfo.environment["GETSCREEN_SIMULATOR_KEY"], !key.isEmpty else {
    let message = "getscreen-simulator: set GETSCREEN_SIMULATOR_KEY to the API key to accept\n"
    FileHandle.standardError.write(Data(message.utf8))
    exit(2)
}
var faults = SimulatorFaults()
faults.maxPageLimit = option("--page-limit", default: 100)
let simulator = GetscreenSimulator(
    dataset: .seeded(
        seed: UInt64(option("--seed", default: 2026)),
        sessionCount: option("--sessions", default: 12),
        agentCount: option("--agents", default: 3)
    ),
    apiKey: key,
    faults: faults
)
do {
    try await simulator.start()
} catch {
    FileHandle.standardError.write(Data("getscreen-simulator: could not start: \(error)\n".utf8))
    exit(3)
}
FileHandle.standardOutput.write(Data("\(simulator.baseURL)\n".utf8))
// Blocks until standard input reaches its end.
while !FileHandle.standardInput.availableData.isEmpty {}
try? await simulator.shutdown()
