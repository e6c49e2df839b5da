import Foundation

/// The `getscreen-simulator` process the demo syncs against: started beside this binary, stopped when the demo
/// ends (its standard input closes with ours, so it also stops if the demo is killed).
struct DemoSimulator {
    /// Why the simulator could not be started.
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The simulated API's base URL, e.g. `http://127.0.0.1:40591/v1`.
    let baseURL: URL
    private let process: Process
    private let input: Pipe

    /// Starts the simulator that sits beside the running executable, serving `sessions` recordings of `agents`
    /// agents in pages of at most `pageLimit`, and accepting `key`.
    /// - Throws: `StartFailure` naming what to do when the simulator is missing or does not start.
    init(key: String, sessions: Int, agents: Int, pageLimit: Int) throws {
        let executable = Self.siblingExecutable(named: "getscreen-simulator")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw StartFailure(
                description: "the demo needs \(executable.path), the API simulator built with this package: run "
                    + "`swift build -c release --static-swift-stdlib --product getscreen-simulator`, or scripts/demo"
            )
        }
        process = Process()
        process.executableURL = executable
        process.arguments = ["--sessions", "\(sessions)", "--agents", "\(agents)", "--page-limit", "\(pageLimit)"]
        process.environment = ["GETSCREEN_SIMULATOR_KEY": key]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        guard let line = Self.firstLine(of: output.fileHandleForReading), let url = URL(string: line) else {
            process.waitUntilExit()
            throw StartFailure(
                description: "the API simulator stopped before it served (exit \(process.terminationStatus))")
        }
        baseURL = url
    }

    /// Stops the simulator and waits for it.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// `name` in the folder of the running executable.
    private static func siblingExecutable(named name: String) -> URL {
        let running =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: running).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// The first line the process writes, without its newline; nil if it ends first.
    private static func firstLine(of handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            bytes += chunk
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: bytes[..<newline], as: UTF8.self)
            }
        }
    }
}
