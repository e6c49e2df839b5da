/// What a run has to do for the listed recordings, decided before any byte moves.
public struct DownloadPlan: Sendable {
    /// One recording to fetch.
    public struct Item: Sendable {
        /// The session whose recording this is.
        public var session: Session
        /// The path below the archive root, without extension (`.mp4` and `.json` are added).
        public var relativePath: String
        /// The size of a file already at the final path that does not match `video.size`, if any. It is
        /// moved aside, never overwritten.
        public var existingWrongSize: Int?
    }

    /// Recordings to download, in listing order.
    public var downloads: [Item]
    /// Recordings already archived with the expected size: skipped.
    public var archived: [Item]
    /// Archived recordings whose sidecar is missing: it is written again, the recording is not fetched.
    public var missingSidecars: [Item]

    /// The bytes the downloads add up to.
    public var downloadBytes: Int { downloads.reduce(0) { $0 + $1.session.video.sizeBytes } }
}
