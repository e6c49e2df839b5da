import ArchiverCore
import Foundation

/// What a run of the built `getscreen-archiver` binary did.
public struct CommandResult: Sendable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the `getscreen-archiver` binary that `swift build` put beside the test bundle.
public enum ArchiverProcess {
    /// The binary's path: next to the test bundle, which SwiftPM builds into the same products folder.
    public static var executablePath: String {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("getscreen-archiver").path
        if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/getscreen-archiver").path
    }

    /// The `XDG_STATE_HOME` of runs in `directory` (unless the caller passes its own): inside it, so that the
    /// default state folder, and the catalog in it, never land in the user's home or in /var/lib.
    public static func stateHome(in directory: String) -> String { "\(directory)/.xdg-state" }

    /// Where runs in `directory` keep the catalog of the archive at `root` when no `state_dir` is configured, as
    /// the configuration loader resolves it for them.
    public static func catalogPath(ofArchive root: String, in directory: String) throws -> String {
        let configuration = try ConfigurationLoader.load(
            configFile: nil, overrides: ConfigurationOverrides(archiveRoot: root),
            environment: ["XDG_STATE_HOME": stateHome(in: directory)], requiresAPIKey: false)
        return configuration.catalogPath
    }

    /// Runs the binary with `arguments` in `directory`, with a clean environment plus `environment`,
    /// and waits for it without blocking a Swift concurrency thread.
    /// - Parameter whileRunning: called with the process id once it runs, before waiting for its exit.
    /// - Parameter executable: the program to run; the archiver by default.
    /// - Parameter stderrIsJournal: whether to set `JOURNAL_STREAM` to the device and inode of the process's
    ///   stderr, as systemd does when stderr is the journal.
    public static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        in directory: String,
        executable: String = executablePath,
        stderrIsJournal: Bool = false,
        whileRunning: (@Sendable (Int32) async throws -> Void)? = nil
    ) async throws -> CommandResult {
        let stdoutPath = "\(directory)/.stdout-\(UUID().uuidString)"
        let stderrPath = "\(directory)/.stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var inherited = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        inherited["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        inherited["XDG_STATE_HOME"] = stateHome(in: directory)
        // The configuration file is searched for when --config is not given: never in the machine's /etc or the
        // user's ~/.config (a test that wants one there passes these variables itself).
        inherited[ConfigurationDiscovery.systemPathVariable] = "\(directory)/.etc/getscreen-archiver/config.yaml"
        inherited[ConfigurationDiscovery.xdgVariable] = "\(directory)/.xdg-config"
        if stderrIsJournal {
            var info = stat()
            guard stat(stderrPath, &info) == 0 else { throw CocoaError(.fileReadUnknown) }
            inherited["JOURNAL_STREAM"] = "\(info.st_dev):\(info.st_ino)"
        }
        process.environment = inherited.merging(environment) { $1 }
        let stdoutHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let stderrHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        process.standardInput = FileHandle.nullDevice
        let (statuses, statusContinuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = {
            statusContinuation.yield($0.terminationStatus)
            statusContinuation.finish()
        }
        try process.run()
        if let whileRunning {
            do {
                try await whileRunning(process.processIdentifier)
            } catch {
                process.terminate()
                throw error
            }
        }
        var status: Int32 = -1
        for await terminationStatus in statuses { status = terminationStatus }
        try stdoutHandle.close()
        try stderrHandle.close()
        return CommandResult(
            exitCode: status,
            stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        )
    }

    /// Runs the binary with `arguments` under a pseudo-terminal (util-linux `script -qfec`), so that it sees a
    /// terminal on stdin, stdout and stderr; the terminal's output (stdout and stderr together) is `stdout`.
    public static func runUnderTerminal(
        _ arguments: [String],
        environment: [String: String] = [:],
        in directory: String
    ) async throws -> CommandResult {
        let command = ([executablePath] + arguments).map(shellQuoted).joined(separator: " ")
        return try await run(
            ["-qfec", command, "/dev/null"], environment: environment, in: directory, executable: "/usr/bin/script")
    }

    /// `text` quoted for `sh`.
    private static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
