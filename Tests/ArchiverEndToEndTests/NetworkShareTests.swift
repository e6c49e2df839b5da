import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Synchronization
import Testing

/// The real binary with its archive on real network shares on loopback (issue 11): its own sshd with `sshfs`
/// mounts, its own smbd with an `smbnetfs` mount. The servers hang, die and come back; the tool is killed; two
/// mounts of one share run at once. After every scenario each recording at a final path must hold exactly the bytes
/// the simulator served, and a final rerun must archive everything.
///
/// Needs root, /dev/fuse and `openssh-server sshfs samba smbnetfs`; elsewhere the suite is skipped with a message
/// saying so. Serialized: the scenarios time server hangs and share 2 cores with the rest of the suite.
@Suite(
    .serialized,
    .enabled(
        if: NetworkShareSupport.isAvailable,
        Comment(rawValue: NetworkShareSupport.unavailableReason ?? "network shares available"))
)
struct NetworkShareTests {
    static let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// 24 recordings of 8 KiB to 1 MiB.
    static func dataset(seed: UInt64, count: Int = 24) -> SimulatorDataset {
        .seeded(seed: seed, sessionCount: count, sizeRange: 8_192...1_048_576)
    }

    /// Media paced so that a run lasts several seconds and a server hang lands mid-transfer.
    static func slowMedia(_ bytesPerSecond: Int = 400_000) -> SimulatorFaults {
        var faults = SimulatorFaults()
        faults.mediaBytesPerSecond = bytesPerSecond
        return faults
    }

    // MARK: - a. sshfs server hangs and dies mid-transfer

    /// The server hangs (SIGSTOP) mid-transfer for 12 s, with sshfs reconnecting and without.
    @Test(
        .timeLimit(.minutes(2)),
        arguments: [(UInt64(1101), ["reconnect", "ServerAliveInterval=2"]), (UInt64(1102), [String]())])
    func sshfsServerSuspendedMidTransferLeavesNoWrongBytes(seed: UInt64, options: [String]) async throws {
        try await withSSHFSArchive(seed: seed, mountOptions: options) { scenario in
            let first = try await scenario.sync { pid in
                try await scenario.waitForMediaRequests(4, of: pid)
                scenario.share.suspendServer()
                try await Task.sleep(for: .seconds(12))
                scenario.share.resumeServer()
            }
            #expect([0, 1, 3].contains(first.exitCode), "\(first.stderr)")
            scenario.expectNoWrongBytesAtFinalPaths()
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func sshfsServerKilledMidRunThenRestartedTheRerunCompletesTheArchive() async throws {
        try await withSSHFSArchive(seed: 1103, mountOptions: ["reconnect", "ServerAliveInterval=2"]) { scenario in
            let first = try await scenario.sync { pid in
                try await scenario.waitForMediaRequests(4, of: pid)
                scenario.share.killServer()
            }
            #expect(first.exitCode != 0, "a run whose share died cannot have archived everything: \(first.stderr)")
            try scenario.share.restartServer()
            scenario.expectNoWrongBytesAtFinalPaths()
        }
    }

    // MARK: - b. the tool killed mid-run

    @Test(.timeLimit(.minutes(2)))
    func sshfsToolKilledMidRunVerifyNeverPassesOverUncataloguedFilesAndTheRerunCataloguesAll() async throws {
        try await withSSHFSArchive(seed: 1104, mountOptions: ["reconnect", "ServerAliveInterval=2"]) { scenario in
            // Killed right after the 2nd, 9th and 16th recording reached its final path: between the rename
            // and the catalog write, where a run that dies leaves files the catalog lacks.
            for published in [2, 9, 16] {
                let killed = try await scenario.sync { pid in
                    try await scenario.waitForFinalRecordings(published, of: pid)
                    kill(pid, SIGKILL)
                }
                #expect([SIGKILL, 0].contains(killed.exitCode), "\(killed.stderr)")
                scenario.expectNoWrongBytesAtFinalPaths()

                let onDisk = scenario.finalRecordings().count
                let verify = try await scenario.run(["verify"])
                let verified = scenario.verifiedCount(verify)
                #expect(
                    verify.exitCode != 0 || verified == onDisk,
                    "verify said all is well for \(verified.map(String.init) ?? "?") recordings while \(onDisk) are on disk: \(verify.stderr)"
                )
                scenario.simulator.resetCounters()
            }
        }
    }

    // MARK: - c. two machines, one NAS

    @Test(.timeLimit(.minutes(2)))
    func twoMountsOfOneShareNeverRunTogether() async throws {
        try await withSSHFSArchive(seed: 1105, count: 16, mountOptions: [], faults: Self.slowMedia(250_000)) {
            scenario in
            let mountAgain = try #require(scenario.share.mountAgain)
            let secondMount = try mountAgain()
            let secondRoot = "\(secondMount)/archive"
            let secondConfig = try scenario.writeConfig(root: secondRoot, named: "config-b.yaml")
            let secondMachine = Self.keyEnvironment.merging(["XDG_STATE_HOME": "\(scenario.workspace)/state-b"]) {
                $1
            }
            let workspace = scenario.workspace
            let first = try await scenario.sync { pid in
                try await scenario.waitForMediaRequests(1, of: pid)
                let second = try await ArchiverProcess.run(
                    ["sync", "--config", secondConfig], environment: secondMachine, in: workspace)
                #expect(second.exitCode == 75, "the second machine ran beside the first: \(second.stderr)")
                #expect(
                    second.stderr.contains("busy") || second.stderr.contains("another getscreen-archiver run"),
                    "no busy message: \(second.stderr)")
            }
            #expect(first.exitCode == 0, "\(first.stderr)")
            let requests = scenario.simulator.counters.mediaRequests
            #expect(
                requests == scenario.sessions.count,
                "\(requests) media requests for \(scenario.sessions.count) recordings: both machines downloaded")
            scenario.expectNoWrongBytesAtFinalPaths()
        }
    }

    // MARK: - d, e, f. smbnetfs

    @Test(.timeLimit(.minutes(2)))
    func smbnetfsThreeSyncsInARowSucceedAndLeaveNoTemporaryFilesAndNoCatalogOnTheShare() async throws {
        try await withSMBArchive(seed: 1106) { scenario in
            for night in 1...3 {
                let result = try await scenario.sync(night == 1 ? [] : ["--full"])
                #expect(result.exitCode == 0, "sync \(night) of 3: \(result.stderr)")
            }
            let toolFolder = "\(scenario.root)/.getscreen-archiver"
            let leftovers = ShareScenario.regularFiles(under: toolFolder).map(\.path).filter {
                $0.contains(".dat.nosync") || $0.hasPrefix("tmp/")
            }
            #expect(leftovers.isEmpty, "left in \(toolFolder): \(leftovers)")
            let catalogsOnShare = ShareScenario.regularFiles(under: scenario.root).map(\.path).filter {
                $0.contains("catalog.sqlite")
            }
            #expect(catalogsOnShare.isEmpty, "the catalog is on the share: \(catalogsOnShare)")
            let localCatalogs = files(
                under: ArchiverProcess.stateHome(in: scenario.workspace), withSuffix: "catalog.sqlite")
            #expect(localCatalogs.count == 1, "no catalog in the local state folder: \(localCatalogs)")
            scenario.expectNoWrongBytesAtFinalPaths()
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func smbnetfsFileModeIsAppliedOrTheShareIgnoringItIsReportedOnce() async throws {
        try await withSMBArchive(seed: 1109, count: 6, extraArchive: "  file_mode: \"0600\"") { scenario in
            let result = try await scenario.sync()
            #expect(result.exitCode == 0, "\(result.stderr)")
            let recordings = scenario.finalRecordings()
            #expect(recordings.count == 6)
            let modes = ShareScenario.regularFiles(under: scenario.root).filter { $0.path.hasSuffix(".mp4") }.map(
                \.mode)
            if !modes.allSatisfy({ $0 == 0o600 }) {
                let warnings = result.stderr.split(separator: "\n").filter { $0.contains("file_mode") }
                #expect(
                    warnings.count == 1,
                    "files have modes \(Set(modes.map { String($0, radix: 8) })) and stderr says: \(result.stderr)"
                )
            }
            scenario.expectNoWrongBytesAtFinalPaths()
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func smbnetfsWithoutSpaceFiguresRunsWithAWarningAndRequireMountAcceptsTheMountPoint() async throws {
        try await withSMBArchive(seed: 1110, count: 6, minimumFree: nil) { scenario in
            let result = try await scenario.sync()
            #expect(result.exitCode == 0, "refused on a share that reports no space figures: \(result.stderr)")
            #expect(result.stderr.contains("free"), "no warning about the unknown free space: \(result.stderr)")

            let guarded = try scenario.writeConfig(
                root: scenario.root, named: "config-mount.yaml",
                extraArchive: "  require_mount: \(scenario.mountPoint)", minimumFree: nil)
            let mounted = try await scenario.run(["sync"], config: guarded)
            #expect(mounted.exitCode == 0, "require_mount: <mount point above the root> refused: \(mounted.stderr)")
            scenario.expectNoWrongBytesAtFinalPaths()
        }
    }

    // MARK: - g. a hung share

    @Test(.timeLimit(.minutes(2)))
    func aHungShareEndsTheRunAfterTheStorageTimeout() async throws {
        try await withSSHFSArchive(seed: 1111, mountOptions: [], extraConfig: "timeouts:\n  storage: 10s") {
            scenario in
            let givingUp = Outcome<ShareScenario.GivingUp>()
            let hung = try await scenario.sync { pid in
                guard try await scenario.waitForMediaRequests(2, of: pid) else { return }
                scenario.share.suspendServer()
                let suspendedAt = ContinuousClock.now
                // Resumes after 45 s at the latest, so that a tool that never gives up still ends the test.
                Task {
                    try await Task.sleep(for: .seconds(45))
                    scenario.share.resumeServer()
                }
                givingUp.set(
                    try await scenario.watchGivingUp(
                        of: pid, saying: "timeouts.storage", since: suspendedAt, limit: .seconds(40)))
            }
            scenario.share.resumeServer()
            #expect(hung.exitCode == 3, "\(hung.stderr)")
            #expect(hung.stderr.contains("timeouts.storage"), "no message naming the storage timeout: \(hung.stderr)")
            let outcome = try #require(givingUp.value)
            #expect(
                outcome.reportedAfter.map { $0 < .seconds(30) } ?? false,
                "the storage timeout was reported \(outcome.reportedAfter.map(String.init(describing:)) ?? "never") after the hang began: \(hung.stderr)"
            )
            #expect(
                outcome.ended || outcome.heldByKernel,
                "3 s after reporting the storage timeout the run had not ended, and no thread of it is held by the kernel"
            )
            scenario.expectNoWrongBytesAtFinalPaths()
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func sigtermDuringAHungShareEndsTheRunWithinSeconds() async throws {
        try await withSSHFSArchive(seed: 1112, mountOptions: []) { scenario in
            let givingUp = Outcome<ShareScenario.GivingUp>()
            let interrupted = try await scenario.sync { pid in
                guard try await scenario.waitForMediaRequests(2, of: pid) else { return }
                scenario.share.suspendServer()
                try await Task.sleep(for: .seconds(3))
                let signalledAt = ContinuousClock.now
                kill(pid, SIGTERM)
                Task {
                    try await Task.sleep(for: .seconds(40))
                    scenario.share.resumeServer()
                }
                // Ended, or gave up saying so ("error: ..."), within 20 s of SIGTERM (the tool allows 5 s; the rest is
                // room for a loaded machine), long before the server comes back.
                var outcome = try await scenario.watchGivingUp(
                    of: pid, saying: "error:", since: signalledAt, limit: .seconds(20))
                if outcome.reportedAfter == nil && !scenario.isAlive(pid) {
                    outcome.reportedAfter = ContinuousClock.now - signalledAt
                    outcome.ended = true
                }
                givingUp.set(outcome)
            }
            scenario.share.resumeServer()
            // 143 (SIGTERM) when the run or the interruption's grace period ends it; 3 when the storage watchdog
            // (timeouts.storage) gave up on the hung call first.
            #expect([143, 3].contains(interrupted.exitCode), "\(interrupted.stderr)")
            let outcome = try #require(givingUp.value)
            #expect(
                outcome.reportedAfter.map { $0 < .seconds(20) } ?? false,
                "no end and no message within 20 s of SIGTERM: \(interrupted.stderr)")
            #expect(
                outcome.ended || outcome.heldByKernel,
                "3 s after giving up the run had not ended, and no thread of it is held by the kernel: \(interrupted.stderr)"
            )
            scenario.expectNoWrongBytesAtFinalPaths()
        }
    }

    // MARK: - Scenarios

    /// Runs `body` with a simulator and an archive root `<sshfs mount>/archive`, then checks the bytes, reruns the
    /// sync without faults and checks that everything is archived and verified; tears everything down.
    func withSSHFSArchive(
        seed: UInt64, count: Int = 24, mountOptions: [String], faults: SimulatorFaults = slowMedia(),
        extraConfig: String = "", _ body: (ShareScenario) async throws -> Void
    ) async throws {
        let share = try SSHFSShare()
        defer { share.tearDown() }
        let mountPoint = try share.mount(options: mountOptions)
        try FileManager.default.createDirectory(atPath: "\(share.export)/archive", withIntermediateDirectories: true)
        try await withScenario(
            share: ShareControl(share), mountPoint: mountPoint, root: "\(mountPoint)/archive", seed: seed,
            count: count, faults: faults, extraArchive: "", extra: extraConfig, minimumFree: 0, body)
    }

    /// As `withSSHFSArchive`, on `<smbnetfs mount>/127.0.0.1:<port>/archive`.
    func withSMBArchive(
        seed: UInt64, count: Int = 12, extraArchive: String = "", minimumFree: Int? = 0,
        _ body: (ShareScenario) async throws -> Void
    ) async throws {
        let share = try SMBShare()
        defer { share.tearDown() }
        try await withScenario(
            share: ShareControl(share), mountPoint: share.mountPoint, root: share.sharePath, seed: seed, count: count,
            faults: SimulatorFaults(), extraArchive: extraArchive, extra: "", minimumFree: minimumFree, body)
    }

    private func withScenario(
        share: ShareControl, mountPoint: String, root: String, seed: UInt64, count: Int, faults: SimulatorFaults,
        extraArchive: String, extra: String, minimumFree: Int?, _ body: (ShareScenario) async throws -> Void
    ) async throws {
        let dataset = Self.dataset(seed: seed, count: count)
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            var scenario = ShareScenario(
                share: share, simulator: fixture.simulator, sessions: dataset.sessions,
                workspace: fixture.workspace.path,
                mountPoint: mountPoint, root: root, config: "")
            scenario.config = try scenario.writeConfig(
                root: root, named: "config.yaml", extraArchive: extraArchive, extra: extra, minimumFree: minimumFree)
            try await body(scenario)

            share.resumeServer()
            // A FUSE daemon that gave up leaves an empty local folder: the rerun must not pass by writing there.
            try #require(NetworkShareSupport.isMounted(mountPoint), "the share is no longer mounted on \(mountPoint)")
            fixture.simulator.setFaults(SimulatorFaults())
            let rerun = try await scenario.sync()
            #expect(rerun.exitCode == 0, "the final rerun: \(rerun.stderr)")
            scenario.expectEveryRecordingArchived()
            let verify = try await scenario.run(["verify"])
            #expect(verify.exitCode == 0, "\(verify.stderr)")
            #expect(
                scenario.verifiedCount(verify) == scenario.sessions.count,
                "verify after the final rerun: \(verify.stderr)")
        }
    }
}

/// The server operations a scenario uses, for either kind of share, and a second mount where the share has one.
struct ShareControl: Sendable {
    let suspendServer: @Sendable () -> Void
    let resumeServer: @Sendable () -> Void
    let killServer: @Sendable () -> Void
    let restartServer: @Sendable () throws -> Void
    /// Mounts the share once more ("a second machine"); nil for smbnetfs, which this suite mounts once.
    let mountAgain: (@Sendable () throws -> String)?

    init(_ share: SSHFSShare) {
        suspendServer = share.suspendServer
        resumeServer = share.resumeServer
        killServer = share.killServer
        restartServer = share.restartServer
        mountAgain = { try share.mount() }
    }

    init(_ share: SMBShare) {
        suspendServer = share.suspendServer
        resumeServer = share.resumeServer
        killServer = share.killServer
        restartServer = share.restartServer
        mountAgain = nil
    }
}

/// A value set by one task and read by another.
final class Outcome<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)
    func set(_ value: Value) { storage.withLock { $0 = value } }
    var value: Value? { storage.withLock { $0 } }
}
