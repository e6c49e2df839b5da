import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// The built binary on an archive in a real SeaweedFS bucket, configured by its file and the AWS variables: every
/// command, what it prints, and the secret key in no output and no file.
@Suite(.enabled(if: SeaweedFS.isAvailable, "\(SeaweedFS.unavailableReason ?? "")"))
struct BucketCommandTests {
    static let dataset = SimulatorDataset.seeded(seed: 23, sessionCount: 12, agentCount: 2, sizeRange: 2_000...30_000)

    /// The configuration file of a sync into `archive` (reached at `endpoint` when given: a relay in front of the
    /// store), with its state in the workspace.
    static func writeConfig(
        _ fixture: SimulatorFixture, _ archive: BucketArchive, endpoint: String? = nil
    ) throws -> String {
        let path = "\(fixture.workspace.path)/config.yaml"
        try """
        api:
          base_url: \(fixture.simulator.baseURL)
        archive:
          root: \(archive.uri)
          min_free: 0
        s3:
          endpoint: \(endpoint ?? archive.store.endpoint)
          path_style: true
        state_dir: \(fixture.workspace.path)/state
        media_hosts: ["127.0.0.1"]
        allow_insecure_http: true
        retry:
          attempts: 2
          max_delay: 1s
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func environment(_ archive: BucketArchive, secret: String? = nil) -> [String: String] {
        [
            "GETSCREEN_API_KEY": SimulatorFixture.apiKey, "AWS_ACCESS_KEY_ID": archive.store.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": secret ?? archive.store.secretAccessKey,
        ]
    }

    @Test func everyCommandWorksOnABucketAndNoneLeaksTheSecret() async throws {
        try await withBucketArchive(dataset: Self.dataset) { fixture, archive in
            let config = try Self.writeConfig(fixture, archive)
            let out = fixture.workspace.path
            var output = ""
            func run(_ name: String, _ arguments: [String], secret: String? = nil) async throws -> CommandResult {
                let result = try await ArchiverProcess.run(
                    arguments, environment: Self.environment(archive, secret: secret), in: out)
                output += "\n== \(name) (exit \(result.exitCode))\n" + result.stdout + result.stderr
                return result
            }

            let audit = try await run("sync --dry-run", ["sync", "--config", config, "--dry-run", "--verbose"])
            #expect(audit.exitCode == 0, "\(audit.stderr)")
            #expect((audit.stdout + audit.stderr).contains(archive.uri))

            let sync = try await run(
                "sync",
                [
                    "sync", "--config", config, "--verbose", "--report", "\(out)/sync.json", "--log-file",
                    "\(out)/sync.log", "--metrics-file", "\(out)/metrics.prom",
                ])
            #expect(sync.exitCode == 0, "\(sync.stderr)")
            #expect(try await archive.objects().count == 2 * Self.dataset.sessions.count)
            let metrics = (try? String(contentsOfFile: "\(out)/metrics.prom", encoding: .utf8)) ?? ""
            #expect(metrics.contains("getscreen_archiver_archive_recordings \(Self.dataset.sessions.count)"))

            let again = try await run("sync --full", ["sync", "--config", config, "--full"])
            #expect(again.exitCode == 0, "\(again.stderr)")
            #expect((again.stdout + again.stderr).contains("0 downloaded"), "\(again.stderr)")

            let session = try #require(Self.dataset.sessions.first)
            let fetch = try await run(
                "fetch", ["fetch", "--config", config, "--verbose", "--session-id", String(session.id)])
            #expect(fetch.exitCode == 0, "\(fetch.stderr)")

            let verify = try await run("verify", ["verify", "--config", config, "--report", "\(out)/verify.json"])
            #expect(verify.exitCode == 0, "\(verify.stderr)")
            #expect(verify.stderr.contains("\(Self.dataset.sessions.count) ok"), "\(verify.stderr)")

            try FileManager.default.removeItem(atPath: "\(out)/state")
            let reindex = try await run("reindex", ["reindex", "--config", config])
            #expect(reindex.exitCode == 0, "\(reindex.stderr)")
            #expect(reindex.stderr.contains("reindexed \(Self.dataset.sessions.count) recordings"), "\(reindex.stderr)")

            let check = try await run("check", ["check", "--config", config])
            #expect(check.exitCode == 0, "\(check.stdout)\(check.stderr)")
            #expect((check.stdout + check.stderr).contains("bucket \(archive.uri)"))

            let wrong = try await run("sync, wrong secret", ["sync", "--config", config], secret: "not-the-secret")
            #expect(wrong.exitCode == 3, "\(wrong.stderr)")
            #expect(wrong.stderr.contains("SignatureDoesNotMatch"), "\(wrong.stderr)")

            for secret in [archive.store.secretAccessKey, "not-the-secret"] {
                #expect(!output.contains(secret), "the secret in the output:\n\(output)")
                for entry in treeSnapshot(of: out) where !entry.isFolder {
                    let text = String(decoding: contents(of: "\(out)/\(entry.relativePath)") ?? [], as: UTF8.self)
                    #expect(!text.contains(secret), "the secret in \(entry.relativePath)")
                }
            }
        }
    }
}
