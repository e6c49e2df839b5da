import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Synchronization
import Testing

/// One network share scenario: a simulator, an archive root on a mounted share, and the built binary run against
/// them with a watchdog, plus the checks every scenario ends with.
struct ShareScenario: Sendable {
    /// A run still going after this long is killed (SIGKILL) and reported: no scenario may hang the suite.
    static let runLimit = Duration.seconds(90)

    let share: ShareControl
    let simulator: GetscreenSimulator
    /// What the simulator serves.
    let sessions: [SimulatedSession]
    /// The test's local folder: config files, the runs' working folder, `state/` (XDG_STATE_HOME).
    let workspace: String
    /// The share's mount point.
    let mountPoint: String
    /// The archive root, on the share.
    let root: String
    /// The main configuration file.
    var config: String

    /// Writes a configuration file for `root` in the workspace and returns its path. `extraArchive` adds lines to
    /// the `archive:` section (indented by two spaces), `extra` top-level lines; `minimumFree` nil leaves
    /// `archive.min_free` at its default.
    func writeConfig(
        root: String, named name: String, extraArchive: String = "", extra: String = "", minimumFree: Int? = 0
    ) throws -> String {
        let path = "\(workspace)/\(name)"
        let yaml = """
            api:
              base_url: \(simulator.baseURL)
            archive:
              root: \(root)
            \(minimumFree.map { "  min_free: \($0)" } ?? "")
            \(extraArchive)
            media_hosts: ["127.0.0.1"]
            allow_insecure_http: true
            transfers: 4
            retry:
              attempts: 2
              max_delay: 1s
            \(extra)

            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `command` (`sync`, `verify`, ...) with `--config` (the main one unless `config` is given) and the API
    /// key; `during` runs once the process has started. The run is killed after `runLimit`.
    func run(
        _ command: [String], config: String? = nil,
        environment: [String: String] = NetworkShareTests.keyEnvironment,
        during: (@Sendable (Int32) async throws -> Void)? = nil
    ) async throws -> CommandResult {
        let watchdog = Watchdog()
        defer { watchdog.cancel() }
        let result = try await ArchiverProcess.run(
            command + ["--config", config ?? self.config], environment: environment, in: workspace
        ) { pid in
            watchdog.start(killing: pid, after: Self.runLimit)
            try await during?(pid)
        }
        #expect(!watchdog.fired, "\(command.joined(separator: " ")) still ran after \(Self.runLimit): killed")
        return result
    }

    /// Runs `sync` with the main configuration and `arguments`.
    func sync(
        _ arguments: [String] = [], during: (@Sendable (Int32) async throws -> Void)? = nil
    ) async throws -> CommandResult {
        try await run(["sync"] + arguments, during: during)
    }

    /// Waits until the simulator has seen `count` media requests (at most 30 s, and no longer than the run `pid`
    /// lives); true when it has.
    @discardableResult
    func waitForMediaRequests(_ count: Int, of pid: Int32) async throws -> Bool {
        try await waitUntil(pid: pid) { simulator.counters.mediaRequests >= count }
    }

    /// Waits until `count` recordings are at their final paths (at most 30 s, and no longer than the run `pid`
    /// lives); true when they are. Polls often, so that the caller acts right after a rename.
    @discardableResult
    func waitForFinalRecordings(_ count: Int, of pid: Int32) async throws -> Bool {
        try await waitUntil(pid: pid) { finalRecordings().count >= count }
    }

    private func waitUntil(pid: Int32, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            if !isAlive(pid) { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// Whether `pid` runs (and is not a zombie waiting to be reaped).
    func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
    }

    /// How a run on a hung share gave up: when its stderr first said `text`, and what became of the process in
    /// the next 3 s.
    struct GivingUp: Sendable {
        /// Time from `since` until stderr carried the text; nil when it never did within the limit.
        var reportedAfter: Duration?
        /// Whether the process had ended.
        var ended = false
        /// Whether the process was exiting (its main thread a zombie) but held by the kernel: a thread in
        /// uninterruptible sleep (D) in a FUSE call that no signal ends (a close's flush is such a call), which
        /// the tool cannot help.
        var heldByKernel = false
    }

    /// Watches the run `pid` (its stderr file in the workspace, `/proc`) until its stderr says `text` or `limit`
    /// has passed since `since`.
    func watchGivingUp(
        of pid: Int32, saying text: String, since: ContinuousClock.Instant, limit: Duration
    ) async throws -> GivingUp {
        var outcome = GivingUp()
        while ContinuousClock.now - since < limit {
            if stderrSoFar().contains(text) {
                outcome.reportedAfter = ContinuousClock.now - since
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard outcome.reportedAfter != nil else { return outcome }
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            if !isAlive(pid) {
                outcome.ended = true
                return outcome
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Exiting: the main thread is done (a zombie) and another thread waits in the kernel (D).
        func state(_ path: String) -> Substring? {
            let stat = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return stat.split(separator: ")").last?.split(separator: " ").first
        }
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        outcome.heldByKernel =
            state("/proc/\(pid)/stat") == "Z" && tasks.contains { state("/proc/\(pid)/task/\($0)/stat") == "D" }
        return outcome
    }

    /// What the runs in the workspace have written to stderr so far (`ArchiverProcess` keeps it in a file there).
    private func stderrSoFar() -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: workspace)) ?? []
        return names.filter { $0.hasPrefix(".stderr-") }
            .compactMap { try? String(contentsOfFile: "\(workspace)/\($0)", encoding: .utf8) }.joined()
    }

    /// Every recording at a final path: each `.mp4` below the root, not in the tool's folder and not set aside
    /// (`*.replaced-*`); absolute paths.
    func finalRecordings() -> [String] {
        Self.regularFiles(under: root).map(\.path)
            .filter { $0.hasSuffix(".mp4") && !$0.hasPrefix(".getscreen-archiver/") && !$0.contains(".replaced-") }
            .map { "\(root)/\($0)" }
    }

    /// The regular files below `folder` (paths relative to it) with their permission bits, read with `readdir`
    /// and `lstat` only. Not with Foundation's file attributes: they list extended attributes, and a `listxattr`
    /// through smbnetfs (samba 4.17 behind it) leaves the whole share answering EIO from then on.
    static func regularFiles(under folder: String) -> [(path: String, mode: mode_t)] {
        var found: [(path: String, mode: mode_t)] = []
        var pending = [""]
        while let relative = pending.popLast() {
            guard let directory = opendir(relative.isEmpty ? folder : "\(folder)/\(relative)") else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name != ".", name != ".." else { continue }
                let path = relative.isEmpty ? name : "\(relative)/\(name)"
                var info = stat()
                guard lstat("\(folder)/\(path)", &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG: found.append((path, info.st_mode & 0o7777))
                default: break
                }
            }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Every recording at a final path holds exactly the bytes the simulator served for its session (SHA-256),
    /// and belongs to a session the simulator serves.
    func expectNoWrongBytesAtFinalPaths(sourceLocation: SourceLocation = #_sourceLocation) {
        let byID = Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, $0) })
        for path in finalRecordings() {
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            guard let id = name.split(separator: "_").last.flatMap({ Int($0) }), let session = byID[id] else {
                Issue.record(
                    "a recording of no served session at a final path: \(path)", sourceLocation: sourceLocation)
                continue
            }
            let actual = contents(of: path).map(sha256Hex)
            #expect(
                actual == sha256Hex(expectedBytes(of: session)),
                "wrong bytes at a final path: \(path) (\(contents(of: path)?.count ?? -1) of \(session.videoSize) B)",
                sourceLocation: sourceLocation)
        }
    }

    /// Every session's recording is at its expected path with the right bytes.
    func expectEveryRecordingArchived(sourceLocation: SourceLocation = #_sourceLocation) {
        for session in sessions {
            let path = "\(root)/\(SimulatorFixture.expectedPath(of: session))"
            #expect(
                contents(of: path).map(sha256Hex) == sha256Hex(expectedBytes(of: session)),
                "not archived with the right bytes: \(path)", sourceLocation: sourceLocation)
        }
    }

    /// N from `verify`'s "verified N recordings" line, or nil.
    func verifiedCount(_ result: CommandResult) -> Int? {
        guard let range = result.stderr.range(of: "verified ") else { return nil }
        return Int(result.stderr[range.upperBound...].prefix { $0.isNumber })
    }
}

/// Kills a run of the binary that outlives its limit.
final class Watchdog: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let firedFlag = Mutex(false)

    /// Whether the watchdog killed the run.
    var fired: Bool { firedFlag.withLock { $0 } }

    func start(killing pid: Int32, after limit: Duration) {
        task.withLock {
            $0 = Task {
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                self.firedFlag.withLock { $0 = true }
                kill(pid, SIGKILL)
            }
        }
    }

    func cancel() { task.withLock { $0?.cancel() } }
}
