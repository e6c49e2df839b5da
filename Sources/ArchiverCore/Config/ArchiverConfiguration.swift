public import Foundation

/// Everything a run needs from configuration, resolved and validated by `ConfigurationLoader`.
///
/// The default description (and `dump`) never shows the API key: `APIKey` redacts itself.
public struct ArchiverConfiguration: Sendable {
    /// The default API base URL, `https://api.getscreen.me/v1`.
    public static let defaultAPIBaseURL = URL(string: "https://api.getscreen.me/v1")!
    /// The default number of parallel downloads.
    public static let defaultTransfers = 4
    /// The allowed numbers of parallel downloads.
    public static let allowedTransfers = 1...32
    /// The hosts recordings may be downloaded from by default: any subdomain of getscreen.me.
    public static let defaultMediaHosts = [try! HostPattern("*.getscreen.me")]

    /// The API base URL, without a trailing slash.
    public var apiBaseURL: URL
    /// The API key, sent as `X-Api-Key`.
    public var apiKey: APIKey
    /// The absolute path of the archive root; whether it exists is checked when a run starts.
    public var archiveRoot: String
    /// Where recordings go below the archive root.
    public var layout: ArchiveLayout
    /// The time zone of the date parts in `layout` (`archive.timezone`).
    public var timeZone: TimeZone
    /// The number of parallel downloads, within `allowedTransfers`.
    public var transfers: Int
    /// The hosts recordings may be downloaded from, including after redirects.
    public var mediaHosts: [HostPattern]
    /// Whether plain `http://` API and media URLs are allowed (for a local test server).
    public var allowInsecureHTTP: Bool

    /// Creates a configuration directly, without checks (tests and the demo); `ConfigurationLoader` validates.
    public init(
        apiBaseURL: URL = Self.defaultAPIBaseURL,
        apiKey: APIKey,
        archiveRoot: String,
        layout: ArchiveLayout = .default,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        transfers: Int = Self.defaultTransfers,
        mediaHosts: [HostPattern] = Self.defaultMediaHosts,
        allowInsecureHTTP: Bool = false
    ) {
        self.apiBaseURL = apiBaseURL
        self.apiKey = apiKey
        self.archiveRoot = archiveRoot
        self.layout = layout
        self.timeZone = timeZone
        self.transfers = transfers
        self.mediaHosts = mediaHosts
        self.allowInsecureHTTP = allowInsecureHTTP
    }
}
