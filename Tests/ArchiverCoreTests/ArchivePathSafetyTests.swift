import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Logging
import Testing

@testable import ArchiverCore

/// The archive never escapes its root: links inside it are refused, look-alike agents keep their own folders,
/// and files and folders get the configured modes.
@Suite struct ArchivePathSafetyTests {
    let logger = Logger(label: "test")

    static let agents = [
        SimulatedAgent(id: 1001, name: "Evil"),
        SimulatedAgent(id: 1002, name: "Good"),
    ]

    static func dataset(agents: [SimulatedAgent] = agents) -> SimulatorDataset {
        SimulatorDataset(
            sessions: (0..<4).map { index in
                SimulatedSession(
                    id: 5_000 + index, uid: "uid-\(index)", start: 1_770_000_000 + index * 3_600,
                    stop: 1_770_000_100 + index * 3_600, agent: agents[index % agents.count], videoSize: 2_000 + index)
            })
    }

    static func mode(of path: String) -> UInt32? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode & 0o7777)
    }

    @Test(arguments: ["outside", "inside"])
    func aLinkedAgentFolderIsRefusedForItsRecordingsAndNothingIsWrittenThroughIt(target: String) async throws {
        try await withSimulator(dataset: Self.dataset()) { fixture in
            // A link where the evil agent's folder belongs, to a folder outside the root or to another folder inside.
            let destination =
                target == "outside"
                ? try fixture.workspace.subfolder("elsewhere") : try fixture.workspace.subfolder("archive/Other")
            try FileManager.default.createSymbolicLink(
                atPath: "\(fixture.root)/Evil-1001", withDestinationPath: destination)

            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            let evil = fixture.dataset.sessions.filter { $0.agent.id == 1001 }.map(\.id)
            #expect(Set(report.failures.map(\.sessionID)) == Set(evil))
            #expect(report.failures.allSatisfy { $0.code == .unsafePath })
            #expect(report.failures.allSatisfy { $0.reason.contains("Evil-1001 is a symbolic link") })
            #expect(report.downloaded == 2)
            #expect(treeSnapshot(of: destination).isEmpty)
            // Refused before any request: only the good agent's recordings were fetched.
            #expect(fixture.simulator.counters.mediaRequests == 2)
            #expect(report.exitCode == 1)
        }
    }

    @Test func aLinkDeeperInTheTreeIsRefusedToo() async throws {
        try await withSimulator(dataset: Self.dataset()) { fixture in
            let elsewhere = try fixture.workspace.subfolder("elsewhere")
            let session = try #require(fixture.dataset.sessions.first { $0.agent.id == 1002 })
            let year = SimulatorFixture.expectedPath(of: session).split(separator: "/")[1]
            _ = try fixture.workspace.subfolder("archive/Good-1002")
            try FileManager.default.createSymbolicLink(
                atPath: "\(fixture.root)/Good-1002/\(year)", withDestinationPath: elsewhere)

            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.failures.count == 2)
            #expect(report.failures.allSatisfy { $0.code == .unsafePath })
            #expect(treeSnapshot(of: elsewhere).isEmpty)
        }
    }

    @Test func aFileWhereAFolderBelongsFailsThatRecordingOnly() async throws {
        try await withSimulator(dataset: Self.dataset()) { fixture in
            _ = FileManager.default.createFile(atPath: "\(fixture.root)/Evil-1001", contents: Data("x".utf8))

            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.failures.count == 2)
            #expect(report.failures.allSatisfy { $0.code == .unsafePath && $0.reason.contains("is not a folder") })
            #expect(report.downloaded == 2)
        }
    }

    @Test func aRecordingReachedThroughALinkDoesNotCountAsArchived() throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let root = try ArchiveRoot(path: try workspace.subfolder("archive"))
        let elsewhere = try workspace.subfolder("elsewhere")
        _ = FileManager.default.createFile(atPath: "\(elsewhere)/1.mp4", contents: Data("abc".utf8))
        try FileManager.default.createSymbolicLink(atPath: "\(root.path)/A-1", withDestinationPath: elsewhere)

        #expect(root.fileSize("A-1/1.mp4") == nil)
        #expect(throws: ArchiveRoot.UnsafePath.self) { try root.checkContainment(of: "A-1/1") }
        #expect(throws: ArchiverError.self) { try root.createFolders("A-1/2026") }
        #expect(throws: ArchiveRoot.UnsafePath.self) { try root.checkContainment(of: "../x/1") }
        try root.checkContainment(of: "B-2/2026/1")
    }

    @Test func agentsWhoseNamesSanitizeAlikeKeepSeparateFolders() async throws {
        let lookAlikes = [SimulatedAgent(id: 2001, name: "Front/Desk"), SimulatedAgent(id: 2002, name: "Front\\Desk")]
        try await withSimulator(dataset: Self.dataset(agents: lookAlikes)) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 4)
            let folders = Set(files(under: fixture.root, withSuffix: ".mp4").map { $0.split(separator: "/")[0] })
            #expect(folders == ["Front_Desk-2001", "Front_Desk-2002"])
            for session in fixture.dataset.sessions {
                let path = files(under: fixture.root, withSuffix: "_\(session.id).mp4")
                #expect(path.first?.hasPrefix("Front_Desk-\(session.agent.id)/") == true)
            }
        }
    }

    /// Found by FuzzArchiveLayout: a value that starts with a combining mark (or ends with a "Prepend" scalar)
    /// formed one `Character` with the "/" beside it, so splitting the path on "/" missed that separator.
    @Test(arguments: ["\u{301}éé", "\u{200D}x", "\u{903}x", "x\u{600}", "\u{301}", "\u{600}"])
    func aValueNeverMergesWithTheSeparatorBesideIt(name: String) throws {
        let layout = try ArchiveLayout(template: "{agent_group}/{agent_name}/{agent_name}/{session_id}")
        let path = layout.relativePath(
            for: LayoutFields(agentID: 1, agentName: name, sessionID: 42, start: Date(timeIntervalSince1970: 0)),
            timeZone: .utc)
        #expect(path.split(separator: "/").count == 4, "\(path.debugDescription)")
        #expect(path.utf8.split(separator: UInt8(ascii: "/")).count == 4)
        #expect(path.hasSuffix("/42"))
    }

    @Test func anAgentNameStartingWithACombiningMarkIsArchivedInItsOwnFolder() async throws {
        let agents = [SimulatedAgent(id: 3001, name: "\u{301}Desk", group: "Office")]
        try await withSimulator(dataset: Self.dataset(agents: agents)) { fixture in
            var configuration = try fixture.configuration()
            configuration.layout = try ArchiveLayout(template: "{agent_group}/{agent_name}/{session_id}")

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 4)
            #expect(report.failures.isEmpty)
            let archived = files(under: "\(fixture.root)/Office", withSuffix: ".mp4")
            #expect(archived.count == 4)
            #expect(archived.allSatisfy { $0.hasPrefix("_Desk/") })
        }
    }

    @Test func filesAndFoldersGetTheConfiguredModeWhateverTheUmask() async throws {
        try await withSimulator(dataset: Self.dataset()) { fixture in
            var configuration = try fixture.configuration()
            configuration.permissions = try #require(ArchivePermissions(octal: "0660"))
            let previous = umask(0o022)
            defer { umask(previous) }

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 4)
            for file in files(under: fixture.root, withSuffix: ".mp4") + files(under: fixture.root, withSuffix: ".json")
            where !file.hasPrefix(".") {
                #expect(Self.mode(of: "\(fixture.root)/\(file)") == 0o660, "\(file)")
            }
            for entry in treeSnapshot(of: fixture.root) where entry.isFolder && !entry.relativePath.hasPrefix(".") {
                #expect(Self.mode(of: "\(fixture.root)/\(entry.relativePath)") == 0o770, "\(entry.relativePath)")
            }
        }
    }

    @Test(arguments: [
        ("0640", 0o640, 0o750), ("640", 0o640, 0o750), ("0o600", 0o600, 0o700), ("0644", 0o644, 0o755),
        ("0660", 0o660, 0o770), ("0604", 0o604, 0o705),
    ])
    func folderModesAddSearchWhereReadIsSet(text: String, file: Int, folder: Int) throws {
        let permissions = try #require(ArchivePermissions(octal: text))
        #expect(permissions.fileMode == UInt32(file))
        #expect(permissions.folderMode == UInt32(folder))
    }

    @Test(arguments: ["0755", "0400", "0200", "4640", "1640", "0o1640", "abc", "0999", "64", "06400", "", "-640"])
    func unusableFileModesAreRefused(text: String) {
        #expect(ArchivePermissions(octal: text) == nil)
    }
}
