import ArchiverTestSupport
import Curl
import Foundation
import GetscreenSimulator
import Synchronization
import Testing

/// The shared bandwidth limit on real transfers: a rate change (a timetable switch) takes effect within seconds, and
/// requests that are not marked limited never wait.
@Suite struct BandwidthLimiterTests {
    static let session = SimulatedSession(
        id: 32, uid: "u32", start: 1_780_000_000, stop: 1_780_000_100,
        agent: SimulatedAgent(id: 3, name: "PC"), videoSize: 2_000_000
    )

    func mediaURL(_ simulator: GetscreenSimulator) -> String {
        "http://127.0.0.1:\(simulator.port)/video/3/32.mp4?apikey=\(SimulatorFixture.apiKey)"
    }

    /// Downloads the 2 MB recording into a file in the fixture's root; returns the response and the time it took.
    func download(
        _ fixture: SimulatorFixture, on multi: CurlMulti, limited: Bool
    ) async throws -> (TransferResponse, Duration) {
        let path = "\(fixture.root)/body-\(UUID().uuidString)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var request = TransferRequest(url: mediaURL(fixture.simulator), destination: .file(descriptor: descriptor))
        request.isBandwidthLimited = limited
        let started = ContinuousClock.now
        let response = try await multi.perform(request)
        #expect(contents(of: path) == expectedBytes(of: Self.session))
        return (response, ContinuousClock.now - started)
    }

    @Test func aSwitchToOffDuringATransferTakesEffectWithinSeconds() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session])) { fixture in
            // 32 KiB/s: the 2 MB would take a minute; after a second the timetable says off.
            let timetable = Timetable(bytesPerSecond: 32 * 1024)
            let multi = try CurlMulti(bandwidthLimiter: BandwidthLimiter { timetable.bytesPerSecond })

            // The switch is timed on a thread started now: a child task of this one could itself start seconds late
            // on a loaded machine.
            timetable.switchOff(afterSeconds: 1)
            let (response, elapsed) = try await download(fixture, on: multi, limited: true)
            await multi.shutdown()

            #expect(response.bytesWritten == Self.session.videoSize)
            // 1 s limited, then at most a second until the limiter asks again, then loopback speed: a few seconds,
            // half a minute at most on a loaded machine whose test threads resume late, against a minute limited.
            #expect(elapsed < .seconds(30), "took \(elapsed)")
            #expect(elapsed > .milliseconds(900), "took \(elapsed): the limit did not hold before the switch")
        }
    }

    @Test func requestsNotMarkedLimitedNeverWait() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session])) { fixture in
            // 8 KiB/s: a limited 2 MB would take four minutes.
            let multi = try CurlMulti(bandwidthLimiter: BandwidthLimiter { 8 * 1024 })

            let (response, elapsed) = try await download(fixture, on: multi, limited: false)
            await multi.shutdown()

            #expect(response.bytesWritten == Self.session.videoSize)
            #expect(elapsed < .seconds(30), "took \(elapsed)")
        }
    }
}

/// A rate that a test switches, as a timetable entry would.
private final class Timetable: Sendable {
    private let rate: Mutex<Int?>

    init(bytesPerSecond: Int?) { rate = Mutex(bytesPerSecond) }

    var bytesPerSecond: Int? { rate.withLock { $0 } }

    /// Switches the rate off `seconds` from now, timed on a thread of its own: a loaded machine can hold the test's
    /// cooperative threads for seconds.
    func switchOff(afterSeconds seconds: UInt32) {
        Thread.detachNewThread {
            sleep(seconds)
            self.rate.withLock { $0 = nil }
        }
    }
}
