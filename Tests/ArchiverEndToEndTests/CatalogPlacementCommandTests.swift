import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// Where the built binary keeps the catalog, what it does with one left on the archive, and the catalog's modes.
/// Only the binary's behaviour is used (files, exit codes, stderr), never the catalog code itself.
@Suite struct CatalogPlacementCommandTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// Sessions over the month before now, so that an incremental rerun lists only the last days.
    static func recentDataset(count: Int) -> SimulatorDataset {
        .seeded(
            seed: 23, sessionCount: count, agentCount: 2, sizeRange: 1_000...8_000,
            endingAt: Int(Date().timeIntervalSince1970) - 60)
    }

    /// Writes the fixture's config with `archiveLines` under `archive:` and `extra` top-level lines.
    func writeConfig(_ fixture: SimulatorFixture, archiveLines: String = "", extra: String = "") throws -> String {
        let path = "\(fixture.workspace.path)/config.yaml"
        try """
        api:
          base_url: \(fixture.simulator.baseURL)
        archive:
          root: \(fixture.root)
          min_free: 0
        \(archiveLines)
        media_hosts: ["127.0.0.1"]
        allow_insecure_http: true
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs the binary in the fixture's workspace with the key and `XDG_STATE_HOME` set to `xdg`.
    func run(_ arguments: [String], _ fixture: SimulatorFixture, xdg: String) async throws -> CommandResult {
        try await ArchiverProcess.run(
            arguments, environment: keyEnvironment.merging(["XDG_STATE_HOME": xdg]) { $1 },
            in: fixture.workspace.path)
    }

    /// The catalog files below `folder`, relative to it.
    func catalogs(under folder: String) -> [String] {
        files(under: folder, withSuffix: "catalog.sqlite")
    }

    @Test func withoutStateDirTheCatalogIsInTheArchivesOwnLocalStateFolder() async throws {
        try await withSimulator(dataset: .seeded(seed: 21, sessionCount: 4, sizeRange: 1_000...8_000)) { fixture in
            let xdg = fixture.workspace.path + "/xdg"
            let config = try writeConfig(fixture)

            let sync = try await run(["sync", "--config", config], fixture, xdg: xdg)
            #expect(sync.exitCode == 0, "\(sync.stderr)")

            #expect(catalogs(under: fixture.root).isEmpty, "nothing of the catalog on the archive")
            let found = catalogs(under: xdg)
            #expect(found.count == 1)
            let folder = try #require(found.first?.split(separator: "/").dropLast().joined(separator: "/"))
            #expect(folder.hasPrefix("getscreen-archiver/"))
            let name = try #require(folder.split(separator: "/").last)
            #expect(name.hasSuffix("-archive-" + name.suffix(8)) && name.suffix(8).allSatisfy(\.isHexDigit), "\(name)")
            let verify = try await run(["verify", "--config", config], fixture, xdg: xdg)
            #expect(verify.exitCode == 0, "\(verify.stderr)")
            #expect(verify.stderr.contains("verified 4 recordings"))
        }
    }

    @Test func anOldCatalogOnTheArchiveIsCarriedOverOnceAndTheNextSyncStaysIncremental() async throws {
        try await withSimulator(dataset: Self.recentDataset(count: 6)) { fixture in
            let xdg = fixture.workspace.path + "/xdg"
            let oldFolder = "\(fixture.root)/.getscreen-archiver"
            // Where versions before this one kept the catalog when state_dir was not set.
            let first = try await run(
                ["sync", "--config", try writeConfig(fixture, extra: "state_dir: \(oldFolder)")], fixture, xdg: xdg)
            #expect(first.exitCode == 0, "\(first.stderr)")
            #expect(FileManager.default.fileExists(atPath: oldFolder + "/catalog.sqlite"))
            fixture.simulator.resetCounters()

            let config = try writeConfig(fixture)
            let second = try await run(["sync", "--config", config, "--verbose"], fixture, xdg: xdg)

            #expect(second.exitCode == 0, "\(second.stderr)")
            #expect(second.stderr.contains("carried the catalog over from the archive to the local state folder"))
            let lists = fixture.simulator.counters.requests.filter { $0.path.hasSuffix("/history/list") }
            #expect(
                !lists.isEmpty && lists.allSatisfy { $0.query["date_from"] != nil }, "incremental, from the watermark")
            #expect(catalogs(under: xdg).count == 1)
            #expect(!FileManager.default.fileExists(atPath: oldFolder + "/catalog.sqlite"))
            #expect(FileManager.default.fileExists(atPath: oldFolder + "/catalog.sqlite.carried-over"))

            let third = try await run(["sync", "--config", config, "--verbose"], fixture, xdg: xdg)
            #expect(third.exitCode == 0, "\(third.stderr)")
            #expect(!third.stderr.contains("carried the catalog over"))
            let verify = try await run(["verify", "--config", config], fixture, xdg: xdg)
            #expect(verify.exitCode == 0, "\(verify.stderr)")
            #expect(verify.stderr.contains("verified 6 recordings"))
        }
    }

    @Test func theCatalogAndTheStateFoldersFollowTheFileMode() async throws {
        try await withSimulator(dataset: .seeded(seed: 22, sessionCount: 3, sizeRange: 1_000...8_000)) { fixture in
            let state = fixture.workspace.path + "/state/archive"
            let config = try writeConfig(fixture, archiveLines: "  file_mode: \"0600\"", extra: "state_dir: \(state)")

            let sync = try await run(["sync", "--config", config], fixture, xdg: fixture.workspace.path + "/xdg")

            #expect(sync.exitCode == 0, "\(sync.stderr)")
            func mode(_ path: String) -> Int? {
                (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
            }
            #expect(mode(state + "/catalog.sqlite") == 0o600)
            #expect(mode(state) == 0o700)
            #expect(mode(fixture.workspace.path + "/state") == 0o700)
            #expect(mode(fixture.root + "/.getscreen-archiver") == 0o700)
            #expect(mode(fixture.root + "/.getscreen-archiver/tmp") == 0o700)
        }
    }

    @Test func aDamagedCatalogSaysToMoveItAsideAndReindex() async throws {
        try await withSimulator(dataset: .seeded(seed: 24, sessionCount: 2, sizeRange: 1_000...8_000)) { fixture in
            let state = try fixture.workspace.subfolder("state")
            try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: state + "/catalog.sqlite"))
            let config = try writeConfig(fixture, extra: "state_dir: \(state)")

            let verify = try await run(["verify", "--config", config], fixture, xdg: fixture.workspace.path + "/xdg")

            #expect(verify.exitCode == 3)
            #expect(verify.stderr.contains("file is not a database"))
            #expect(
                verify.stderr.contains("mv \(state)/catalog.sqlite \(state)/catalog.sqlite.damaged"), "\(verify.stderr)"
            )
            #expect(!verify.stderr.contains("<root>"))
        }
    }
}
