import ArchiverTestSupport
import Curl
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore
@testable import JSON

/// `history/info` decoding and `Archiver.fetch`, against the simulator.
@Suite struct FetchTests {
    let logger = Logger(label: "test")

    @Test func historyInfoDecodesVideoAsAStringWithItsSize() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 5)) { fixture in
            let expected = fixture.dataset.sessions[3]
            let transport = try CurlMulti()
            let client = APIClient(
                baseURL: URL(string: fixture.simulator.baseURL)!,
                key: APIKey(SimulatorFixture.apiKey)!,
                transport: transport,
                logger: logger
            )

            let byID = try await client.sessionInfo(.id(expected.id))
            let byUID = try await client.sessionInfo(.uid(expected.uid))
            await transport.shutdown()

            #expect(byID == byUID)
            guard case .string(let url)? = byID["video"] else {
                Issue.record("history/info's video is not a string: \(String(describing: byID["video"]))")
                return
            }
            let session = try Session(infoResponse: byID, agentName: nil, agentGroup: nil)
            #expect(session.id == expected.id)
            #expect(session.video.url == url)
            #expect(session.video.sizeBytes == expected.videoSize)
            #expect(session.agent.id == expected.agent.id)
            #expect(session.start == Date(timeIntervalSince1970: TimeInterval(expected.start)))
        }
    }

    @Test func historyListDecodesVideoAsAnObject() throws {
        let item = try JSONValue(
            parsing: Array(
                """
                {"id": 27233, "start": 1608660273, "stop": 1608660281, "support_id": 1002, "client": [],
                 "agent": {"id": 1001, "name": "DESKTOP-SJBU5PO", "group": "Accounting"},
                 "video": {"url": "https://st.getscreen.me/video/2/27233.mp4", "size": 428652}}
                """.utf8
            )
        )
        let session = try Session(listItem: item)
        #expect(session.video == Session.Video(url: "https://st.getscreen.me/video/2/27233.mp4", sizeBytes: 428652))
        #expect(session.agent == Session.Agent(id: 1001, name: "DESKTOP-SJBU5PO", group: "Accounting"))
        #expect(session.supportID == 1002)
    }

    @Test(arguments: [
        (#"{"start": 1, "agent": {"id": 1}, "video": {"url": "https://x/1.mp4", "size": 1}}"#, "missing or invalid id"),
        (#"{"id": 1, "start": 1, "agent": {"id": 1}, "video": {"size": 1}}"#, "missing video.url"),
        (
            #"{"id": 1, "start": 1, "agent": {"id": 1}, "video": {"url": "https://x/1.mp4"}}"#,
            "missing or invalid video.size"
        ),
        (
            #"{"id": 1, "start": 1, "agent": {"id": 1}, "video": {"url": "https://x/1.mp4", "size": -5}}"#,
            "implausible video size -5"
        ),
        (#"{"id": 1, "start": 1, "video": {"url": "https://x/1.mp4", "size": 5}}"#, "missing agent.id"),
    ])
    func unusableListItemsAreRefusedWithAReason(json: String, reason: String) throws {
        let item = try JSONValue(parsing: Array(json.utf8))
        #expect(throws: InvalidSessionItem.self) { try Session(listItem: item) }
        do {
            _ = try Session(listItem: item)
        } catch {
            #expect(error.reason == reason)
        }
    }

    @Test func fetchFilesTheSessionWhereSyncWould() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 8)) { fixture in
            let target = fixture.dataset.sessions[5]

            let report = try await Archiver.fetch(
                configuration: fixture.configuration(), session: .uid(target.uid), logger: logger)

            #expect(report.downloaded == 1)
            #expect(files(under: fixture.root, withSuffix: ".mp4") == [SimulatorFixture.expectedPath(of: target)])
            #expect(
                contents(of: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: target))")
                    == expectedBytes(of: target))
            #expect(fixture.simulator.counters.infoRequests == 1)

            fixture.simulator.resetCounters()
            let sync = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)
            #expect(sync.skipped == 1)
            #expect(sync.downloaded == 7)
        }
    }

    @Test func fetchOfAnUnknownSessionSaysSo() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 2)) { fixture in
            await #expect {
                _ = try await Archiver.fetch(
                    configuration: fixture.configuration(), session: .id(999_999_999), logger: logger)
            } throws: { error in
                guard case .sessionNotFound(let reference)? = error as? ArchiverError else { return false }
                return reference == "id 999999999"
            }
        }
    }
}
