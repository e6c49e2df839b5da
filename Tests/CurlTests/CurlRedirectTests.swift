import ArchiverTestSupport
import Curl
import Foundation
import GetscreenSimulator
import Testing

/// libcurl follows no redirect; the answer carries the resolved target for the caller to check.
@Suite struct CurlRedirectTests {
    @Test(arguments: [SimulatedRedirect.Target.sameHost, .host("localhost")])
    func aRedirectIsNotFollowedAndItsTargetIsResolved(target: SimulatedRedirect.Target) async throws {
        let session = CurlMultiTests.session
        var faults = SimulatorFaults()
        faults.mediaRedirects[session.id] = SimulatedRedirect(status: 307, target: target)
        try await withSimulator(dataset: SimulatorDataset(sessions: [session]), faults: faults) { fixture in
            let path = "\(fixture.root)/body"
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            try #require(descriptor >= 0)
            let multi = try CurlMulti()

            let response = try await multi.perform(
                TransferRequest(
                    url: "http://127.0.0.1:\(fixture.simulator.port)/video/3/31.mp4?apikey=\(SimulatorFixture.apiKey)",
                    destination: .file(descriptor: descriptor)))
            close(descriptor)
            await multi.shutdown()

            #expect(response.statusCode == 307)
            let host = target == .sameHost ? "127.0.0.1" : "localhost"
            #expect(response.redirectURL == "http://\(host):\(fixture.simulator.port)/video/3/31.mp4?hop=1")
            #expect(response.bytesWritten == 0)
            #expect(contents(of: path) == [], "a redirect's body never reaches the file")
            #expect(fixture.simulator.counters.mediaRequests == 1)
        }
    }
}
