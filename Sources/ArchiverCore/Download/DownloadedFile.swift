/// A recording's partial file once it is complete, size-checked and sealed (fsync'ed on shares, then closed), not
/// yet in place: what `Downloader.download(_:)` hands to `Filer.draft(_:)`.
struct DownloadedFile: Sendable {
    /// The planned item, with the session as it was downloaded (its URL may have been refreshed).
    var item: DownloadPlan.Item
    /// The partial file in the archive's temporary folder.
    var partialPath: String
    /// The SHA-256 of its bytes, lowercase hex, computed while they streamed.
    var sha256: String
}
