import ArchiverTestSupport
import Crypto
import Foundation
import GetscreenSimulator
import Testing

/// `getscreen-archiver check`, the first contact with an account, through the real binary (issue 12).
@Suite struct CheckCommandTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    @Test func everyCheckPassesAgainstTheSimulatorAndNothingIsWrittenOrDownloaded() async throws {
        let dataset = SimulatorDataset.seeded(seed: 81, sessionCount: 5, sizeRange: 200_000...400_000)
        var faults = SimulatorFaults()
        for session in dataset.sessions {
            faults.mediaRedirects[session.id] = SimulatedRedirect(status: 302, target: .host("localhost"))
        }
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig(mediaHosts: ["127.0.0.1", "localhost"])
            let synced = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
            try #require(synced.exitCode == 0, "\(synced.stderr)")
            fixture.simulator.resetCounters()
            let before = try Self.snapshot(fixture.root, fixture.stateDirectory)
            let treesBefore = [treeSnapshot(of: fixture.root), treeSnapshot(of: fixture.stateDirectory)]
            try #require(!treesBefore[1].isEmpty, "the state folder holds the catalog")

            let result = try await ArchiverProcess.run(
                ["check", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(!lines.contains { $0.hasPrefix("FAIL") }, "\(result.stdout)")
            for topic in [
                "config", "API key", "list page", "media", "archive root", "mount", "free space", "lock",
                "catalog",
            ] {
                #expect(lines.contains { $0.hasPrefix("ok") && $0.contains(topic) }, "\(topic): \(result.stdout)")
            }
            #expect(result.stdout.contains("localhost"), "the redirect's host is shown: \(result.stdout)")
            #expect(result.stdout.contains("watermark"), "\(result.stdout)")
            #expect(
                !result.stdout.contains(SimulatorFixture.apiKey) && !result.stderr.contains(SimulatorFixture.apiKey))
            #expect(try Self.snapshot(fixture.root, fixture.stateDirectory) == before)
            #expect([treeSnapshot(of: fixture.root), treeSnapshot(of: fixture.stateDirectory)] == treesBefore)
            let counters = fixture.simulator.counters
            #expect(counters.listRequests == 1)
            let media = counters.requests.filter { $0.path.hasPrefix("/video/") }
            #expect(!media.isEmpty && media.allSatisfy { $0.headers["range"] == "bytes=0-0" }, "\(media)")
        }
    }

    @Test func aWrongKeyFailsWithTheServersMessageAndTheFix() async throws {
        let dataset = SimulatorDataset.seeded(seed: 82, sessionCount: 2, sizeRange: 40_000...90_000)
        try await withSimulator(dataset: dataset) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["check", "--config", config], environment: ["GETSCREEN_API_KEY": "wrong-key-0000"],
                in: fixture.workspace.path)

            #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
            let failure = result.stdout.split(separator: "\n").first { $0.hasPrefix("FAIL") && $0.contains("API key") }
            #expect(failure?.contains("invalid API key") == true, "\(result.stdout)")
            #expect(result.stdout.contains("GETSCREEN_API_KEY"), "\(result.stdout)")
            #expect(!result.stdout.contains("wrong-key-0000") && !result.stderr.contains("wrong-key-0000"))
            #expect(fixture.simulator.counters.requests.allSatisfy { !$0.path.hasPrefix("/video/") })
            // The checks of the archive still run.
            #expect(result.stdout.contains("ok") && result.stdout.contains("archive root"), "\(result.stdout)")
        }
    }

    @Test func aMissingRootFailsWithWhatToDo() async throws {
        let dataset = SimulatorDataset.seeded(seed: 83, sessionCount: 2, sizeRange: 40_000...90_000)
        try await withSimulator(dataset: dataset) { fixture in
            let missing = "\(fixture.workspace.path)/not-mounted"
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["check", "--config", config, "--archive", missing], environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
            let failure = result.stdout.split(separator: "\n").first {
                $0.hasPrefix("FAIL") && $0.contains("archive root")
            }
            #expect(failure?.contains(missing) == true, "\(result.stdout)")
            #expect(result.stdout.contains("mount the share or create the folder"), "\(result.stdout)")
            #expect(!FileManager.default.fileExists(atPath: missing))
            // The API checks still run and pass.
            #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("ok") && $0.contains("API key") })
        }
    }

    /// Every file and folder below `folders` with its size and SHA-256: equal before and after means nothing was
    /// created, removed or changed.
    static func snapshot(_ folders: String...) throws -> [String: String] {
        var entries: [String: String] = [:]
        for folder in folders {
            guard let walker = FileManager.default.enumerator(atPath: folder) else { continue }
            for case let relative as String in walker {
                let path = "\(folder)/\(relative)"
                var isFolder: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
                entries[path] =
                    isFolder.boolValue ? "folder" : contents(of: path).map { "\($0.count) \(sha256Hex($0))" } ?? "?"
            }
        }
        return entries
    }
}
