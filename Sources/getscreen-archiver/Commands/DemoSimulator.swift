import CLinux
import FoundationEssentials
import Glibc

/// The `getscreen-simulator` process the demo syncs against: started from beside this binary (a source build) or
/// from `../lib/getscreen-archiver/` next to its folder (the Debian package keeps it off `PATH`), stopped when the demo
/// ends (its standard input closes with ours, so it also stops if the demo is killed).
struct DemoSimulator {
    /// Why the simulator could not be started.
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The simulated API's base URL, e.g. `http://127.0.0.1:40591/v1`.
    let baseURL: URL
    private let processID: pid_t
    /// Our ends of the pipes on the simulator's standard input and output.
    private let input: Int32
    private let output: Int32

    /// Starts the simulator that sits beside the running executable or in its `../lib/getscreen-archiver/`, serving `sessions` recordings of `agents`
    /// agents in pages of at most `pageLimit`, and accepting `key` (passed in its environment, never in its
    /// arguments, which any user can read).
    /// - Throws: `StartFailure` naming what to do when the simulator is missing or does not start.
    init(key: String, sessions: Int, agents: Int, pageLimit: Int) throws {
        let folder = Self.runningExecutableFolder()
        let candidates = [folder + "/getscreen-simulator", folder + "/../lib/getscreen-archiver/getscreen-simulator"]
        guard let executable = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw StartFailure(
                description: "the demo needs the API simulator built with this package, at "
                    + candidates.joined(separator: " or ") + ": run "
                    + "`swift build -c release --static-swift-stdlib --product getscreen-simulator`, or scripts/demo"
            )
        }
        var inputPipe: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        guard pipe2(&inputPipe, O_CLOEXEC) == 0, pipe2(&outputPipe, O_CLOEXEC) == 0 else {
            throw StartFailure(description: "cannot start the API simulator: \(String(cString: strerror(errno)))")
        }
        let arguments = [
            executable, "--sessions", "\(sessions)", "--agents", "\(agents)", "--page-limit", "\(pageLimit)",
        ]
        let spawned = Self.spawn(
            executable, arguments: arguments, environment: ["GETSCREEN_SIMULATOR_KEY=\(key)"],
            standardInput: inputPipe[0], standardOutput: outputPipe[1])
        close(inputPipe[0])
        close(outputPipe[1])
        guard let processID = spawned.processID else {
            close(inputPipe[1])
            close(outputPipe[0])
            throw StartFailure(description: "cannot start \(executable): \(String(cString: strerror(spawned.error)))")
        }
        self.processID = processID
        input = inputPipe[1]
        output = outputPipe[0]
        guard let line = Self.firstLine(of: output), let url = URL(string: line) else {
            let exitStatus = Self.stop(processID, input: input, output: output)
            throw StartFailure(description: "the API simulator stopped before it served (\(exitStatus))")
        }
        baseURL = url
    }

    /// Stops the simulator and waits for it.
    func stop() {
        _ = Self.stop(processID, input: input, output: output)
    }

    /// Closes the simulator's input (it exits at end of input), waits for it and says how it ended.
    private static func stop(_ processID: pid_t, input: Int32, output: Int32) -> String {
        close(input)
        var status: Int32 = 0
        while waitpid(processID, &status, 0) < 0 && errno == EINTR {}
        close(output)
        let signal = status & 0x7F
        return signal == 0 ? "exit \((status >> 8) & 0xFF)" : "signal \(signal)"
    }

    /// Runs `executable` with exactly `environment`, the given descriptors as its standard input and output.
    /// - Returns: its process id, or nil and the `errno` of the failure.
    private static func spawn(
        _ executable: String, arguments: [String], environment: [String], standardInput: Int32,
        standardOutput: Int32
    ) -> (processID: pid_t?, error: Int32) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies; the pipes' own descriptors close at exec.
        posix_spawn_file_actions_adddup2(&actions, standardInput, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, standardOutput, STDOUT_FILENO)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var processID = pid_t()
        let status = posix_spawn(&processID, executable, &actions, nil, argv, envp)
        return status == 0 ? (processID, 0) : (nil, status)
    }

    /// The folder of the running executable.
    private static func runningExecutableFolder() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let running =
            length > 0
            ? String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : CommandLine.arguments[0]
        let folder = running.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return folder.isEmpty ? "." : folder
    }

    /// The first line read from `descriptor`, without its newline; nil if the stream ends first.
    private static func firstLine(of descriptor: Int32) -> String? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            bytes += chunk[..<count]
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: bytes[..<newline], as: UTF8.self)
            }
        }
    }
}
