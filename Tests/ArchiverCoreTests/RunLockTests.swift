import ArchiverTestSupport
import Foundation
import Glibc
import Logging
import Synchronization
import Testing

@testable import ArchiverCore

/// The lease file that keeps runs on different machines (or mounts) off one archive: exclusive creation,
/// takeover of a stale lease only, refusal of a live one, the token check, and no temporary files.
@Suite struct RunLockTests {
    let logger = Logger(label: "test")

    /// A root with the tool's folder, and the paths of the lease inside it.
    struct Archive {
        let directory: TemporaryDirectory
        let root: ArchiveRoot
        var stateFolder: String { "\(root.path)/.getscreen-archiver" }
        var leasePath: String { "\(stateFolder)/lock" }

        init() throws {
            directory = try TemporaryDirectory()
            root = try ArchiveRoot(path: directory.path)
            try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        }

        /// Writes a lease as another run would, JSON written here by hand.
        func writeLease(
            host: String, pid: Int, refreshedSecondsAgo: Int, leaseSeconds: Int = 600, bootID: String,
            pidNamespace: String, token: String = "0123456789abcdef"
        ) throws {
            let refreshed = Int(Date().timeIntervalSince1970) - refreshedSecondsAgo
            let object: [String: Any] = [
                "host": host, "pid": pid, "started_at": "2026-12-05T22:00:00Z", "token": token,
                "refreshed_at": "2026-12-05T23:59:00Z", "refreshed_at_unix": refreshed,
                "lease_seconds": leaseSeconds, "boot_id": bootID, "pid_namespace": pidNamespace,
            ]
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: leasePath))
        }

        func lease() throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: leasePath))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        func stateFolderContents() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: stateFolder)) ?? []).sorted()
        }
    }

    static let bootID =
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    static let pidNamespace = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")) ?? ""

    /// The pid of a process that has ended.
    static func deadPID() throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return Int(process.processIdentifier)
    }

    @Test func claimingCreatesTheLeaseNamingThisRunAndNothingElse() throws {
        let archive = try Archive()
        defer { archive.directory.remove() }
        // The holder file of earlier versions goes away.
        try Data("{\"pid\": 1}".utf8).write(to: URL(fileURLWithPath: "\(archive.stateFolder)/lock-holder.json"))

        let lock = try RunLock.acquire(archive.root, logger: logger)
        #expect(archive.stateFolderContents() == ["lock-holder.json"], "acquiring writes nothing")
        try lock.claimLease(fileMode: 0o600, folderMode: 0o700)

        #expect(archive.stateFolderContents() == ["lock"])
        let lease = try archive.lease()
        #expect(lease["pid"] as? Int == Int(getpid()))
        #expect(lease["host"] as? String == ProcessInfo.processInfo.hostName)
        #expect((lease["token"] as? String)?.count == 32)
        #expect(lease["lease_seconds"] as? Int == 600)
        #expect(lease["boot_id"] as? String == Self.bootID)
        let refreshed = try #require(lease["refreshed_at_unix"] as? Int)
        #expect(abs(refreshed - Int(Date().timeIntervalSince1970)) < 60)
        var info = stat()
        let statResult = stat(archive.leasePath, &info)
        #expect(statResult == 0 && info.st_mode & 0o777 == 0o600)

        lock.release()
        #expect(archive.stateFolderContents().isEmpty)
    }

    @Test func aLiveLeaseOfAnotherMachineMakesEvenADryRunBusy() throws {
        let archive = try Archive()
        defer { archive.directory.remove() }
        try archive.writeLease(
            host: "nas-b", pid: 4711, refreshedSecondsAgo: 30, bootID: "another-machine", pidNamespace: "pid:[1]")
        let before = try Data(contentsOf: URL(fileURLWithPath: archive.leasePath))

        let error = #expect(throws: ArchiverError.self) { try RunLock.acquire(archive.root, logger: logger) }
        guard case .archiveBusy = error else {
            Issue.record("expected archiveBusy, got \(String(describing: error))")
            return
        }
        let message = error?.description ?? ""
        for quoted in ["pid 4711 on nas-b", "started 2026-12-05T22:00:00Z", "last refreshed 2026-12-05T23:59:00Z"] {
            #expect(message.contains(quoted), "\(message)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive.leasePath)) == before)
        #expect(archive.stateFolderContents() == ["lock"])
    }

    /// Two mounts of one share on one machine: the other run's pid lives, so its lease holds, refreshed or not.
    @Test(arguments: [30, 100_000])
    func aLeaseOfALiveProcessOnThisMachineHolds(refreshedSecondsAgo: Int) throws {
        let archive = try Archive()
        defer { archive.directory.remove() }
        try archive.writeLease(
            host: "this-one", pid: Int(getppid()), refreshedSecondsAgo: refreshedSecondsAgo, bootID: Self.bootID,
            pidNamespace: Self.pidNamespace)
        #expect(throws: ArchiverError.self) { try RunLock.acquire(archive.root, logger: logger) }
    }

    @Test(arguments: [true, false])
    func aStaleLeaseIsTakenOver(byDeadProcessOnThisMachine: Bool) throws {
        let archive = try Archive()
        defer { archive.directory.remove() }
        if byDeadProcessOnThisMachine {
            try archive.writeLease(
                host: "this-one", pid: try Self.deadPID(), refreshedSecondsAgo: 5, bootID: Self.bootID,
                pidNamespace: Self.pidNamespace)
        } else {
            try archive.writeLease(
                host: "nas-b", pid: 4711, refreshedSecondsAgo: 700, leaseSeconds: 600, bootID: "another-machine",
                pidNamespace: "pid:[1]")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: archive.leasePath))
        var timing = RunLock.Timing()
        timing.takeoverSettling = .milliseconds(50)

        let lock = try RunLock.acquire(archive.root, timing: timing, logger: logger)
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive.leasePath)) == before, "acquiring writes nothing")
        try lock.claimLease(fileMode: 0o640, folderMode: 0o750)
        let lease = try archive.lease()
        #expect(lease["pid"] as? Int == Int(getpid()))
        #expect(lease["token"] as? String != "0123456789abcdef")
        #expect(archive.stateFolderContents() == ["lock"])
        lock.release()
        #expect(archive.stateFolderContents().isEmpty)
    }

    /// Two runs judged one lease stale at once and both rewrote it: the one whose token is not there after the
    /// settling pause backs off, naming the other.
    @Test func aTakeoverThatAnotherRunOverwroteBacksOff() async throws {
        let archive = try Archive()
        defer { archive.directory.remove() }
        try archive.writeLease(
            host: "nas-b", pid: 4711, refreshedSecondsAgo: 700, bootID: "another-machine", pidNamespace: "pid:[1]")
        var timing = RunLock.Timing()
        timing.takeoverSettling = .seconds(3)
        let lock = try RunLock.acquire(archive.root, timing: timing, logger: logger)
        defer { lock.release() }

        let claim = Task.detached { () -> ArchiverError? in
            do throws(ArchiverError) {
                try lock.claimLease(fileMode: 0o640, folderMode: 0o750)
                return nil
            } catch {
                return error
            }
        }
        // Once this run's lease is written, the racing run (on nas-c) writes its own over it: from a thread of its
        // own, which a loaded machine's busy test threads cannot hold up past the settling pause. It waits a second
        // after reading this run's lease, well inside the 3 s pause: the lease is written in place (pwrite, then
        // ftruncate), so a lease read between the two may still be being written, and writing over it then would
        // let this run's ftruncate cut the racer's lease.
        let racer = Thread {
            let deadline = Date().addingTimeInterval(20)
            while (try? archive.lease()["pid"] as? Int) != Int(getpid()) && Date() < deadline { usleep(1_000) }
            usleep(1_000_000)
            try? archive.writeLease(
                host: "nas-c", pid: 815, refreshedSecondsAgo: 0, bootID: "a-third-machine", pidNamespace: "pid:[1]",
                token: "c0ffeec0ffeec0ff")
        }
        racer.start()

        let error = await claim.value
        guard case .archiveBusy = error else {
            Issue.record("expected archiveBusy, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("pid 815 on nas-c") == true, "\(String(describing: error))")
        lock.release()
        #expect(try archive.lease()["token"] as? String == "c0ffeec0ffeec0ff", "the winner's lease stays")
    }

    @Test func theLeaseIsRefreshedInPlace() async throws {
        let archive = try Archive()
        defer { archive.directory.remove() }
        var timing = RunLock.Timing()
        timing.refreshInterval = .milliseconds(100)
        let lock = try RunLock.acquire(archive.root, timing: timing, logger: logger)
        defer { lock.release() }
        try lock.claimLease(fileMode: 0o640, folderMode: 0o750)
        let first = try #require(try archive.lease()["refreshed_at_unix"] as? Int)
        var before = stat()
        stat(archive.leasePath, &before)

        let deadline = ContinuousClock.now + .seconds(20)
        var refreshed = first
        while refreshed == first && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            refreshed = (try? archive.lease()["refreshed_at_unix"] as? Int) ?? first
        }
        #expect(refreshed > first)
        var after = stat()
        stat(archive.leasePath, &after)
        #expect(after.st_ino == before.st_ino, "rewritten in place, not replaced")
        #expect(archive.stateFolderContents() == ["lock"])
    }

    @Test func aRefreshThatFindsAnotherRunsTokenStopsTheRun() async throws {
        let archive = try Archive()
        defer { archive.directory.remove() }
        var timing = RunLock.Timing()
        timing.refreshInterval = .milliseconds(100)
        let lost = LostLock()
        let lock = try RunLock.acquire(archive.root, timing: timing, logger: logger) { lost.record($0) }
        try lock.claimLease(fileMode: 0o640, folderMode: 0o750)
        // Another machine judged it stale and took it over.
        try archive.writeLease(
            host: "nas-b", pid: 4711, refreshedSecondsAgo: 0, bootID: "another-machine", pidNamespace: "pid:[1]",
            token: "feedfacefeedface")

        let deadline = ContinuousClock.now + .seconds(20)
        while lost.error == nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let error = try #require(lost.error)
        guard case .lockLost = error else {
            Issue.record("expected lockLost, got \(error)")
            return
        }
        #expect(error.description.contains("pid 4711 on nas-b"), "\(error)")
        lock.release()
        #expect(try archive.lease()["token"] as? String == "feedfacefeedface", "the other run's lease stays")
    }
}

/// The error a lock reported as lost.
private final class LostLock: Sendable {
    private let lost = Mutex<ArchiverError?>(nil)

    var error: ArchiverError? { lost.withLock { $0 } }

    func record(_ error: ArchiverError) { lost.withLock { $0 = error } }
}
