import Foundation

extension SimulatorFaults {
    /// `session` as listings and `history/info` announce it: with a video size of 0 when
    /// `zeroVideoSizeSessions` holds it.
    func listed(_ session: SimulatedSession) -> SimulatedSession {
        guard zeroVideoSizeSessions.contains(session.id) else { return session }
        var listed = session
        listed.videoSize = 0
        return listed
    }
}

extension SimulatorRouter {
    /// A `history/info` answer with `video` as the object `{url, size}` in place of the string and `video_size`.
    static func withVideoObject(_ body: Data) -> Data {
        guard var object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let url = object["video"] as? String
        else { return body }
        object["video"] = ["url": url, "size": object["video_size"] ?? NSNull()]
        object["video_size"] = nil
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? body
    }
}
