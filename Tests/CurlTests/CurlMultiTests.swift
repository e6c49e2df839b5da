import ArchiverTestSupport
import Curl
import Foundation
import GetscreenSimulator
import Synchronization
import Testing

/// The libcurl bridge against a real HTTP server on loopback.
@Suite struct CurlMultiTests {
    static let session = SimulatedSession(
        id: 31, uid: "u31", start: 1_780_000_000, stop: 1_780_000_100,
        agent: SimulatedAgent(id: 3, name: "PC"), videoSize: 300_000
    )

    func mediaURL(_ simulator: GetscreenSimulator, key: String = SimulatorFixture.apiKey) -> String {
        "http://127.0.0.1:\(simulator.port)/video/3/31.mp4?apikey=\(key)"
    }

    @Test func streamsABodyIntoAFileDescriptor() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session])) { fixture in
            let path = "\(fixture.root)/body"
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            try #require(descriptor >= 0)
            let multi = try CurlMulti()

            let response = try await multi.perform(
                TransferRequest(url: mediaURL(fixture.simulator), destination: .file(descriptor: descriptor)))
            close(descriptor)
            await multi.shutdown()

            #expect(response.statusCode == 200)
            #expect(response.bytesWritten == 300_000)
            #expect(response.headers["content-type"] == "video/mp4")
            #expect(contents(of: path) == expectedBytes(of: Self.session))
        }
    }

    /// Each write(2) on a FUSE share is a round trip to its daemon: the body reaches the file in chunks of
    /// `fileWriteChunk`, not in the 16 KiB pieces libcurl hands over, the last chunk at the end.
    @Test func aFileBodyIsWrittenInLargeChunks() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session])) { fixture in
            let path = "\(fixture.root)/body"
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            try #require(descriptor >= 0)
            let writes = WriteSizes()
            let multi = try CurlMulti()

            let response = try await multi.perform(
                TransferRequest(
                    url: mediaURL(fixture.simulator), destination: .file(descriptor: descriptor, observer: writes)))
            close(descriptor)
            await multi.shutdown()

            #expect(response.bytesWritten == 300_000)
            let sizes = writes.sizes
            #expect(sizes.reduce(0, +) == 300_000)
            #expect(sizes.count <= 3 && sizes.dropLast().allSatisfy { $0 >= 128 * 1024 }, "\(sizes)")
            #expect(contents(of: path) == expectedBytes(of: Self.session))
        }
    }

    /// A transfer cut mid-body (the connection closed before the announced length) still leaves every byte it
    /// received in the file, for the resume.
    @Test func bytesReceivedBeforeABrokenConnectionReachTheFile() async throws {
        var faults = SimulatorFaults()
        faults.mediaFaults = [Self.session.id: [.truncateBody(afterBytes: 200_000)]]
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session]), faults: faults) { fixture in
            let path = "\(fixture.root)/body"
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            try #require(descriptor >= 0)
            let multi = try CurlMulti()

            await #expect(throws: CurlError.self) {
                _ = try await multi.perform(
                    TransferRequest(url: mediaURL(fixture.simulator), destination: .file(descriptor: descriptor)))
            }
            close(descriptor)
            await multi.shutdown()

            let written = try #require(contents(of: path))
            #expect(written.count == 200_000)
            #expect(written == Array(expectedBytes(of: Self.session).prefix(200_000)), "the bytes differ")
        }
    }

    @Test func errorBodiesNeverReachTheFile() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session])) { fixture in
            let path = "\(fixture.root)/body"
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            let multi = try CurlMulti()

            let response = try await multi.perform(
                TransferRequest(
                    url: mediaURL(fixture.simulator, key: "wrong"), destination: .file(descriptor: descriptor))
            )
            close(descriptor)
            await multi.shutdown()

            #expect(response.statusCode == 403)
            #expect(response.bytesWritten == 0)
            #expect(!response.body.isEmpty)
            #expect(contents(of: path) == [])
        }
    }

    @Test func reusesOneConnectionForSequentialRequests() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session])) { fixture in
            let multi = try CurlMulti()

            for _ in 0..<10 {
                let response = try await multi.perform(
                    TransferRequest(
                        url: "\(fixture.simulator.baseURL)/history/list?video=true",
                        headers: ["X-Api-Key: \(SimulatorFixture.apiKey)"],
                        destination: .memory(limit: 1 << 20)
                    )
                )
                #expect(response.statusCode == 200)
            }
            await multi.shutdown()

            #expect(fixture.simulator.counters.connectionsAccepted == 1)
            #expect(fixture.simulator.counters.listRequests == 10)
        }
    }

    @Test func spreadsTransfersOverItsThreadsKeepingOneConnectionPerSlot() async throws {
        let sessions = (0..<4).map { index in
            SimulatedSession(
                id: 40 + index, uid: "u\(index)", start: 1_780_000_000, stop: 1_780_000_100,
                agent: SimulatedAgent(id: 3, name: "PC"), videoSize: 6_000
            )
        }
        var faults = SimulatorFaults()
        faults.mediaBytesPerSecond = 30_000  // about 0.2 s per body, so the four slots overlap
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let multi = try CurlMulti(threads: 2)
            let receivers = ReceivingThreads()

            // Four slots, each with three transfers one after another.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for session in sessions {
                    group.addTask {
                        for round in 0..<3 {
                            let path = "\(fixture.root)/body-\(session.id)-\(round)"
                            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
                            defer { close(descriptor) }
                            let response = try await multi.perform(
                                TransferRequest(
                                    url: "http://127.0.0.1:\(fixture.simulator.port)/video/3/\(session.id).mp4"
                                        + "?apikey=\(SimulatorFixture.apiKey)",
                                    destination: .file(descriptor: descriptor, observer: receivers)
                                )
                            )
                            #expect(response.bytesWritten == 6_000)
                        }
                    }
                }
                try await group.waitForAll()
            }
            await multi.shutdown()

            #expect(receivers.threads.count == 2, "bodies were received on \(receivers.threads.count) thread(s)")
            #expect(fixture.simulator.counters.maxConcurrentMediaResponses == 4)
            #expect(fixture.simulator.counters.connectionsAccepted <= 4, "one connection per slot")
        }
    }

    @Test func memoryBodiesAreBounded() async throws {
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session])) { fixture in
            let multi = try CurlMulti()

            await #expect {
                _ = try await multi.perform(
                    TransferRequest(url: mediaURL(fixture.simulator), destination: .memory(limit: 1000)))
            } throws: { error in
                (error as? CurlError)?.kind == .bodyTooLarge(limit: 1000)
            }
            await multi.shutdown()
        }
    }

    @Test func refusedConnectionIsAConnectError() async throws {
        let refusing = try RefusingPort()
        defer { refusing.release() }
        let multi = try CurlMulti()

        await #expect {
            _ = try await multi.perform(
                TransferRequest(url: "http://127.0.0.1:\(refusing.port)/", destination: .memory(limit: 100)))
        } throws: { error in
            (error as? CurlError)?.kind == .connect
        }
        await multi.shutdown()
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/x"])
    func onlyHTTPAndHTTPSAreAllowed(url: String) async throws {
        let multi = try CurlMulti()
        await #expect {
            _ = try await multi.perform(TransferRequest(url: url, destination: .memory(limit: 1 << 20)))
        } throws: { error in
            (error as? CurlError)?.kind == .badURL
        }
        await multi.shutdown()
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        var faults = SimulatorFaults()
        faults.mediaBytesPerSecond = 10_000  // 30 s for the whole body
        try await withSimulator(dataset: SimulatorDataset(sessions: [Self.session]), faults: faults) { fixture in
            let multi = try CurlMulti()
            let url = mediaURL(fixture.simulator)

            let transfer = Task {
                try await multi.perform(TransferRequest(url: url, destination: .memory(limit: 1 << 20)))
            }
            while fixture.simulator.counters.mediaRequests == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let started = ContinuousClock.now
            transfer.cancel()
            let result = await transfer.result
            await multi.shutdown()

            #expect(throws: CancellationError.self) { try result.get() }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func transfersAfterShutdownFailCleanly() async throws {
        let multi = try CurlMulti()
        await multi.shutdown()
        await #expect(throws: CurlMultiShutDown.self) {
            _ = try await multi.perform(TransferRequest(url: "http://127.0.0.1:1/", destination: .memory(limit: 10)))
        }
    }
}

/// Records the threads that receive bodies.
private final class ReceivingThreads: TransferBodyObserver {
    private let seen = Mutex<Set<UInt>>([])

    var threads: Set<UInt> { seen.withLock { $0 } }

    func transferDidWrite(_ bytes: UnsafeRawBufferPointer) {
        let thread = UInt(pthread_self())
        seen.withLock { _ = $0.insert(thread) }
    }

    func transferDidRestartFromZero() {}
}

/// Records the sizes of the writes reported to the observer.
private final class WriteSizes: TransferBodyObserver {
    private let recorded = Mutex<[Int]>([])

    var sizes: [Int] { recorded.withLock { $0 } }

    func transferDidWrite(_ bytes: UnsafeRawBufferPointer) {
        recorded.withLock { $0.append(bytes.count) }
    }

    func transferDidRestartFromZero() {}
}
