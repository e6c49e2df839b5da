import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// Media redirects, through the real binary (issue 12, case 5): followed up to 5 hops to hosts in `media_hosts`,
/// refused with a clear message, before any request, to a host outside it.
@Suite struct MediaRedirectTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    @Test func redirectsToTheSameHostAreFollowedUpToFiveHops() async throws {
        let dataset = SimulatorDataset.seeded(seed: 51, sessionCount: 4, sizeRange: 40_000...90_000)
        var faults = SimulatorFaults()
        let ids = dataset.sessions.map(\.id)
        faults.mediaRedirects[ids[0]] = SimulatedRedirect(status: 302)
        faults.mediaRedirects[ids[1]] = SimulatedRedirect(status: 301, hops: 2)
        faults.mediaRedirects[ids[2]] = SimulatedRedirect(status: 307, hops: 5)
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            for session in dataset.sessions {
                let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
            }
            let hops = fixture.mediaRequestHosts.filter { $0.path.hasSuffix("/\(ids[2]).mp4") }
            #expect(hops.map { $0.query["hop"] ?? "0" } == ["0", "1", "2", "3", "4", "5"])
            #expect(hops.allSatisfy { $0.host == "127.0.0.1" && $0.carriesKey })
            #expect(!result.stderr.contains(SimulatorFixture.apiKey))
        }
    }

    @Test func aRedirectToAnotherAllowedHostIsFollowedWithTheKey() async throws {
        let dataset = SimulatorDataset.seeded(seed: 52, sessionCount: 3, sizeRange: 40_000...90_000)
        var faults = SimulatorFaults()
        let redirected = dataset.sessions[0].id
        faults.mediaRedirects[redirected] = SimulatedRedirect(status: 302, target: .host("localhost"))
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig(mediaHosts: ["127.0.0.1", "localhost"])

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            for session in dataset.sessions {
                let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
            }
            let hops = fixture.mediaRequestHosts.filter { $0.path.hasSuffix("/\(redirected).mp4") }
            #expect(hops.map(\.host) == ["127.0.0.1", "localhost"])
            #expect(hops.allSatisfy { $0.carriesKey })
        }
    }

    @Test func aRedirectToAHostNotAllowedFailsTheRecordingAndTheKeyNeverGoesThere() async throws {
        let dataset = SimulatorDataset.seeded(seed: 53, sessionCount: 3, sizeRange: 40_000...90_000)
        var faults = SimulatorFaults()
        let refused = dataset.sessions[1]
        faults.mediaRedirects[refused.id] = SimulatedRedirect(status: 302, target: .host("localhost"))
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 1, "\(result.stderr)")
            #expect(result.stderr.contains("failed: session \(refused.id)"), "\(result.stderr)")
            #expect(result.stderr.contains("redirected to localhost"), "\(result.stderr)")
            #expect(result.stderr.contains("add it to media_hosts"), "\(result.stderr)")
            #expect(!result.stderr.contains(SimulatorFixture.apiKey))
            #expect(
                !FileManager.default.fileExists(atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: refused))")
            )
            for session in dataset.sessions where session.id != refused.id {
                let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
            }
            #expect(!fixture.mediaRequestHosts.contains { $0.host != "127.0.0.1" })
            #expect(
                !fixture.simulator.counters.requests.contains { $0.headers["host"]?.hasPrefix("localhost") == true })
        }
    }

    @Test func moreThanFiveRedirectsFailTheRecording() async throws {
        let dataset = SimulatorDataset.seeded(seed: 54, sessionCount: 2, sizeRange: 40_000...90_000)
        var faults = SimulatorFaults()
        let looping = dataset.sessions[0]
        faults.mediaRedirects[looping.id] = SimulatedRedirect(status: 302, hops: 6)
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 1, "\(result.stderr)")
            #expect(result.stderr.contains("failed: session \(looping.id)"), "\(result.stderr)")
            #expect(result.stderr.contains("more than 5 redirects"), "\(result.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: looping))")
            )
            // Six requests (the original and five hops), never the sixth hop, and no retry of a hopeless chain.
            #expect(fixture.mediaRequestHosts.filter { $0.path.hasSuffix("/\(looping.id).mp4") }.count == 6)
        }
    }

    @Test func aDownloadCutAfterARedirectResumesWithARangeThroughTheRedirect() async throws {
        let dataset = SimulatorDataset.seeded(seed: 55, sessionCount: 1, sizeRange: 300_000...400_000)
        let session = dataset.sessions[0]
        var faults = SimulatorFaults()
        faults.mediaRedirects[session.id] = SimulatedRedirect(status: 302)
        faults.mediaFaults[session.id] = [.resetMidBody(afterBytes: 200_000)]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
            #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
            let ranges = fixture.simulator.counters.requests.filter { $0.path.hasPrefix("/video/") }.map {
                "\($0.query["hop"] ?? "0") \($0.headers["range"] ?? "-")"
            }
            #expect(ranges.count == 4, "\(ranges)")
            #expect(ranges.first == "0 -", "\(ranges)")
            #expect(ranges.last?.hasPrefix("1 bytes=") == true && ranges.last != "1 bytes=0-", "\(ranges)")
        }
    }
}
