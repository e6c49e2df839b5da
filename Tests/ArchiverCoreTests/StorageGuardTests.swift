import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Logging
import Testing

@testable import ArchiverCore

/// The archive's file system: mount requirement, free space before each transfer, ENOSPC during a write.
/// The space tests mount a small tmpfs, which needs root.
@Suite struct StorageGuardTests {
    let logger = Logger(label: "test")
    static let isRoot = getuid() == 0

    @Test func mountPointsAreRecognised() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        #expect(ArchiveRoot.isMountPoint("/"))
        #expect(ArchiveRoot.isMountPoint("/proc"))
        #expect(!ArchiveRoot.isMountPoint(folder.path))
        #expect(throws: ArchiverError.self) { try ArchiveRoot(path: folder.path, mount: .rootIsMountPoint) }
        #expect(throws: Never.self) { try ArchiveRoot(path: folder.path, mount: .none) }
    }

    @Test func requireMountRefusesAPlainFolderBeforeAnyRequest() async throws {
        try await withSimulator(dataset: .seeded(seed: 1, sessionCount: 2, sizeRange: 1_000...2_000)) { fixture in
            var configuration = try fixture.configuration()
            configuration.mountRequirement = .rootIsMountPoint

            await #expect {
                _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            } throws: { error in
                guard case .archiveRootNotMounted(let path, nil)? = error as? ArchiverError else { return false }
                return path == fixture.root
            }
            #expect(fixture.simulator.counters.requests.isEmpty)
        }
    }

    /// Mounts a tmpfs of `size` on the fixture's root for the duration of `body`.
    func withTmpfs<T>(on path: String, size: String, _ body: () async throws -> T) async throws -> T {
        try run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", path])
        defer { try? run("/bin/umount", [path]) }
        return try await body()
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments) failed"])
        }
    }

    static func sessions(_ count: Int, size: Int) -> [SimulatedSession] {
        (0..<count).map { index in
            SimulatedSession(
                id: 9100 + index, uid: "s\(index)", start: 1_780_000_000 - index * 60, stop: 1_780_000_030,
                agent: SimulatedAgent(id: 5, name: "NAS"), videoSize: size
            )
        }
    }

    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func aFullArchiveStopsSchedulingAndSaysHowMuchIsNeeded() async throws {
        let sessions = Self.sessions(6, size: 300_000)
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions)) { fixture in
            var configuration = try fixture.configuration(transfers: 1)
            configuration.minimumFreeBytes = 0

            try await withTmpfs(on: fixture.root, size: "1m") {
                await #expect {
                    _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
                } throws: { error in
                    guard case .insufficientSpace(_, let needed, let available)? = error as? ArchiverError else {
                        return false
                    }
                    return needed == 300_000 && available < 300_000
                }
                let archived = files(under: fixture.root, withSuffix: ".mp4")
                #expect((1...3).contains(archived.count), "\(archived)")
                // Refused before asking for it: no transfer started that could not fit.
                #expect(fixture.simulator.counters.mediaRequests == archived.count)
                for session in sessions where archived.contains(SimulatorFixture.expectedPath(of: session)) {
                    #expect(
                        contents(of: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))")
                            == expectedBytes(of: session))
                }
                #expect(files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: ".part").isEmpty)
            }
        }
    }

    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func runningOutOfSpaceDuringAWriteIsHandledTheSameWay() async throws {
        let sessions = Self.sessions(1, size: 100_000)
        var faults = SimulatorFaults()
        faults.servedSizeOverrides = [sessions[0].id: 3_000_000]  // far more than the tmpfs holds
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            var configuration = try fixture.configuration(transfers: 1)
            configuration.minimumFreeBytes = 0

            try await withTmpfs(on: fixture.root, size: "1m") {
                await #expect {
                    _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
                } throws: { error in
                    guard case .insufficientSpace? = error as? ArchiverError else { return false }
                    return true
                }
                #expect(files(under: fixture.root, withSuffix: ".mp4").isEmpty)
                #expect(files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: ".part").isEmpty)
            }
        }
    }

    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func requireMountAcceptsAMountedRoot() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: Self.sessions(2, size: 5_000))) { fixture in
            var configuration = try fixture.configuration()
            configuration.mountRequirement = .rootIsMountPoint
            configuration.minimumFreeBytes = 0

            let report = try await withTmpfs(on: fixture.root, size: "4m") {
                try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            }
            #expect(report.downloaded == 2)
        }
    }

    /// A tmpfs of size 0 has no limit and reports 0 blocks, like smbnetfs's SMB shares: a real writable file
    /// system without space figures.
    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func aFileSystemWithoutSpaceFiguresIsArchivedWithoutACheck() async throws {
        let sessions = Self.sessions(3, size: 50_000)
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions)) { fixture in
            let configuration = try fixture.configuration()  // archive.min_free: the default 1 GiB

            let report = try await withTmpfs(on: fixture.root, size: "0") {
                #expect(FileSystemSpace.of(fixture.root) == .unreported)
                return try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            }
            #expect(report.downloaded == 3)
            #expect(report.exitCode == 0)
        }
    }

    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func assumeFreeIsTheSpaceWhereTheFileSystemReportsNone() async throws {
        let sessions = Self.sessions(2, size: 300_000)
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions)) { fixture in
            var configuration = try fixture.configuration(transfers: 1)
            configuration.minimumFreeBytes = 0
            configuration.assumedFreeBytes = 100_000

            try await withTmpfs(on: fixture.root, size: "0") {
                await #expect {
                    _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
                } throws: { error in
                    guard case .insufficientSpace(_, let needed, let available)? = error as? ArchiverError else {
                        return false
                    }
                    return needed == 300_000 && available == 100_000
                }
                let audit = try await Archiver.audit(
                    configuration: configuration, options: SyncOptions(), logger: logger
                ).audit
                #expect(audit?.space?.freeBytes == 100_000)
                #expect(audit?.space?.isAssumed == true)
                #expect(audit?.table().contains("assumed free (archive.assume_free)") == true)
            }
            #expect(fixture.simulator.counters.mediaRequests == 0)
        }
    }

    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func theAuditSaysWhenTheFileSystemReportsNoFigures() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: Self.sessions(2, size: 5_000))) { fixture in
            let configuration = try fixture.configuration()

            let audit = try await withTmpfs(on: fixture.root, size: "0") {
                try await Archiver.audit(configuration: configuration, options: SyncOptions(), logger: logger)
                    .audit
            }
            #expect(audit?.space == nil)
            #expect(audit?.isSpaceUnreported == true)
            #expect(audit?.table().contains("the archive's file system reports no figures") == true)
        }
    }

    /// smbnetfs shows a share as `<mount>/<host>/<share>`: the mount point is an ancestor of the root.
    @Test(.enabled(if: isRoot, "mounting a tmpfs needs root"))
    func requireMountAcceptsTheMountPointAboveTheRoot() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: Self.sessions(2, size: 5_000))) { fixture in
            var configuration = try fixture.configuration()
            configuration.archiveRoot = "\(fixture.root)/127.0.0.1/share"
            configuration.mountRequirement = .mountPoint(fixture.root)
            configuration.minimumFreeBytes = 0

            await #expect {
                _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            } throws: { error in
                guard case .archiveRootNotMounted(let path, let mountPoint)? = error as? ArchiverError else {
                    return false
                }
                return path == configuration.archiveRoot && mountPoint == fixture.root
                    && "\(error)".contains("is not a mount point (archive.require_mount)")
            }
            let report = try await withTmpfs(on: fixture.root, size: "4m") {
                try FileManager.default.createDirectory(
                    atPath: configuration.archiveRoot, withIntermediateDirectories: true)
                return try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            }
            #expect(report.downloaded == 2)
        }
    }

    @Test func requireMountRefusesAMountPointThatDoesNotHoldTheRoot() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        #expect {
            try ArchiveRoot(path: folder.path, mount: .mountPoint("/proc"))
        } throws: { error in
            guard case .archiveRootOutsideMount(let path, "/proc")? = error as? ArchiverError else { return false }
            return path == folder.path
        }
        #expect(throws: Never.self) { try ArchiveRoot(path: folder.path, mount: .mountPoint("/")) }
    }
}
