import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// `reindex` and `verify` through the built binary: exit codes, messages and the report file.
@Suite struct CatalogCommandTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// Syncs the fixture's recordings into its root with the binary.
    func sync(_ fixture: SimulatorFixture) async throws {
        let result = try await ArchiverProcess.run(
            [
                "sync", "--api-url", fixture.simulator.baseURL, "--archive", fixture.root, "--config",
                try writeConfig(fixture),
            ],
            environment: keyEnvironment, in: fixture.workspace.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
    }

    func writeConfig(_ fixture: SimulatorFixture) throws -> String {
        let path = "\(fixture.workspace.path)/config.yaml"
        try "media_hosts: [\"127.0.0.1\"]\nallow_insecure_http: true\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func verifyReportsDamagedRecordingsAndExitsOneWithoutAnAPIKey() async throws {
        try await withSimulator(dataset: .seeded(seed: 5, sessionCount: 5, sizeRange: 2_000...9_000)) { fixture in
            try await sync(fixture)
            let sessions = fixture.dataset.sessions
            let path = { (index: Int) in "\(fixture.root)/\(SimulatorFixture.expectedPath(of: sessions[index]))" }

            let clean = try await ArchiverProcess.run(
                ["verify", "--archive", fixture.root], in: fixture.workspace.path)
            #expect(clean.exitCode == 0, "\(clean.stderr)")
            #expect(clean.stderr.contains("verified 5 recordings"))
            #expect(!clean.stderr.contains("\r"))  // no progress line when stderr is not a terminal

            try FileManager.default.removeItem(atPath: path(0))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path(1)))
            try handle.truncate(atOffset: 100)
            try handle.close()
            var bytes = try #require(contents(of: path(2)))
            bytes[7] ^= 0x80
            try Data(bytes).write(to: URL(fileURLWithPath: path(2)))
            let reportPath = "\(fixture.workspace.path)/verify.json"

            let damaged = try await ArchiverProcess.run(
                ["verify", "--archive", fixture.root, "--report", reportPath], in: fixture.workspace.path)

            #expect(damaged.exitCode == 1, "\(damaged.stderr)")
            #expect(damaged.stderr.contains("missing: session \(sessions[0].id)"))
            #expect(damaged.stderr.contains("truncated: session \(sessions[1].id)"))
            #expect(damaged.stderr.contains("corrupted: session \(sessions[2].id)"))
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportPath)))
                    as? [String: Any]
            )
            #expect(json["checked"] as? Int == 5)
            #expect(json["ok"] as? Int == 2)
            for (key, index) in [("missing", 0), ("truncated", 1), ("corrupted", 2)] {
                let problems = try #require(json[key] as? [[String: Any]], "\(key)")
                #expect(problems.count == 1)
                #expect(problems.first?["session_id"] as? Int == sessions[index].id)
                #expect(problems.first?["path"] as? String == SimulatorFixture.expectedPath(of: sessions[index]))
                #expect((problems.first?["reason"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test func reindexRebuildsALostCatalogWithoutAnAPIKey() async throws {
        try await withSimulator(dataset: .seeded(seed: 6, sessionCount: 4, sizeRange: 2_000...9_000)) { fixture in
            try await sync(fixture)
            try FileManager.default.removeItem(
                atPath: try ArchiverProcess.catalogPath(ofArchive: fixture.root, in: fixture.workspace.path))

            let missing = try await ArchiverProcess.run(
                ["verify", "--archive", fixture.root], in: fixture.workspace.path)
            #expect(missing.exitCode == 3)
            #expect(missing.stderr.contains("getscreen-archiver reindex"))

            let reindex = try await ArchiverProcess.run(
                ["reindex", "--archive", fixture.root], in: fixture.workspace.path)
            #expect(reindex.exitCode == 0, "\(reindex.stderr)")
            #expect(reindex.stderr.contains("reindexed 4 recordings"))

            let verify = try await ArchiverProcess.run(
                ["verify", "--archive", fixture.root, "--sample", "2"], in: fixture.workspace.path)
            #expect(verify.exitCode == 0, "\(verify.stderr)")
            #expect(verify.stderr.contains("verified 2 recordings (a sample of 4)"))
        }
    }

    @Test(arguments: [["verify", "--sample", "0"], ["reindex", "--api-url", "https://x.test"]])
    func badArgumentsExitTwo(arguments: [String]) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await ArchiverProcess.run(arguments + ["--archive", folder.path], in: folder.path)
        #expect(result.exitCode == 2, "\(result.stderr)")
    }
}
