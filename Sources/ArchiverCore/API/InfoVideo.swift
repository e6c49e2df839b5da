import JSON
/// The recording's URL and size in a `history/info` answer, in either shape the API description shows: `video`
/// the URL string with `video_size` beside it (its example), or `video` an object `{url, size}` (its field table).
///
/// Read in one place for `fetch` (`Session(infoResponse:)`) and for the URL refresh after a 403.
struct InfoVideo: Equatable {
    /// The URL, nil when `video` is absent, null, or neither a string nor an object with a string `url`.
    var url: String?
    /// The size in bytes: `video.size`, else `video_size`.
    var size: Int?

    /// Reads `video` (and `video_size`) of a `history/info` answer.
    init(_ answer: JSONValue) {
        let video = answer["video"]
        if let url = video?.stringValue {
            self.url = url
            size = answer["video_size"]?.intValue
        } else {
            url = video?["url"]?.stringValue
            size = video?["size"]?.intValue ?? answer["video_size"]?.intValue
        }
    }
}
