import Testing

@testable import ArchiverCore
@testable import JSON

/// `history/info`'s two `video` shapes, and sessions without a usable recording (issue 12, case 7).
struct InfoVideoTests {
    static func info(_ video: String) throws -> JSONValue {
        try JSONValue(parsing: Array(#"{"id": 27233, "agent_id": 1001, "start": 1608660273, \#(video)}"#.utf8))
    }

    @Test(arguments: [
        #""video": "https://st.getscreen.me/v/27233.mp4", "video_size": 428652"#,
        #""video": {"url": "https://st.getscreen.me/v/27233.mp4", "size": 428652}"#,
        #""video": {"url": "https://st.getscreen.me/v/27233.mp4"}, "video_size": 428652"#,
    ])
    func bothShapesGiveTheSameRecording(video: String) throws {
        let answer = try Self.info(video)
        let video = InfoVideo(answer)
        #expect(video.url == "https://st.getscreen.me/v/27233.mp4" && video.size == 428652)
        let session = try Session(infoResponse: answer, agentName: nil, agentGroup: nil)
        #expect(session.video == Session.Video(url: "https://st.getscreen.me/v/27233.mp4", sizeBytes: 428652))
    }

    @Test(arguments: [
        (#""video": null, "video_size": 5"#, "no usable recording: video is missing, null or empty"),
        (#""video_size": 5"#, "no usable recording: video is missing, null or empty"),
        (#""video": "", "video_size": 5"#, "no usable recording: video is missing, null or empty"),
        (#""video": {}"#, "no usable recording: video is missing, null or empty"),
        (#""video": {"url": "https://x/1.mp4", "size": 0}"#, "no usable recording: its video size is 0"),
        (#""video": "https://x/1.mp4", "video_size": 0"#, "no usable recording: its video size is 0"),
        (#""video": {"url": "https://x/1.mp4"}"#, "missing or invalid video size (video.size or video_size)"),
    ])
    func anInfoAnswerWithoutAUsableRecordingIsRefused(video: String, reason: String) throws {
        let answer = try Self.info(video)
        let error = try #require(throws: InvalidSessionItem.self) {
            try Session(infoResponse: answer, agentName: nil, agentGroup: nil)
        }
        #expect(error.reason == reason)
        #expect(error.sessionID == 27233)
    }

    @Test func aListedSessionWithVideoSizeZeroIsRefused() throws {
        let item = try JSONValue(
            parsing: Array(
                #"{"id": 5, "start": 1, "agent": {"id": 1}, "video": {"url": "https://x/5.mp4", "size": 0}}"#.utf8))
        let error = try #require(throws: InvalidSessionItem.self) { try Session(listItem: item) }
        #expect(error.reason == "no usable recording: its video size is 0")
    }
}
