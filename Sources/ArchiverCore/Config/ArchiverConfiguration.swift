public import FoundationEssentials

/// Everything a run needs from configuration, resolved and validated by `ConfigurationLoader`.
///
/// The default description (and `dump`) never shows the API key nor the S3 secret access key: `APIKey` and
/// `S3Credentials` redact themselves.
public struct ArchiverConfiguration: Sendable {
    /// The default API base URL, `https://api.getscreen.me/v1`.
    public static let defaultAPIBaseURL = URL(string: "https://api.getscreen.me/v1")!
    /// The default number of parallel downloads.
    public static let defaultTransfers = 4
    /// The allowed numbers of parallel downloads.
    static let allowedTransfers = 1...32
    /// The hosts recordings may be downloaded from by default: any subdomain of getscreen.me.
    public static let defaultMediaHosts = [try! HostPattern("*.getscreen.me")]
    /// How far before the last successful sync's watermark an incremental sync starts listing: 14 days, the longest
    /// session we archive (7 days, a weekend-long unattended one) plus the longest delay before its recording
    /// appears (7 days). `history/list` may filter on the session's start, and a session is first listed with its
    /// recording, so the window must reach back to the start of a session whose recording appeared since the last
    /// run. Listing 14 days costs a few pages a night.
    public static let defaultSyncOverlap = Duration.seconds(14 * 86_400)
    /// The allowed overlaps, `sync.overlap`.
    static let allowedSyncOverlap = Duration.zero...Duration.seconds(365 * 86_400)
    /// How much history may pass between two nightly syncs that walk all of it (`sync.full_every`): a recording
    /// gone from the archive comes back within a week.
    static let defaultSyncFullEvery = Duration.seconds(7 * 86_400)
    /// The allowed intervals, `sync.full_every`; zero walks all history every run.
    static let allowedSyncFullEvery = Duration.zero...Duration.seconds(365 * 86_400)
    /// The default free space kept on the archive's file system beyond a transfer's size: 1 GiB.
    public static let defaultMinimumFreeBytes = 1 << 30
    /// The default number of tries per request, including the first.
    public static let defaultRetryAttempts = 5
    /// The allowed numbers of tries per request, `retry.attempts`.
    static let allowedRetryAttempts = 1...20
    /// The default cap of the exponential backoff and of `Retry-After`.
    public static let defaultRetryMaxDelay = Duration.seconds(60)
    /// The allowed caps, `retry.max_delay`.
    static let allowedRetryMaxDelay = Duration.seconds(1)...Duration.seconds(3600)
    /// The default time allowed to establish a connection.
    public static let defaultConnectTimeout = Duration.seconds(30)
    /// The allowed connect timeouts, `timeouts.connect`.
    static let allowedConnectTimeout = Duration.seconds(1)...Duration.seconds(600)
    /// The default time a transfer may receive nothing before it is aborted.
    public static let defaultStallTimeout = Duration.seconds(60)
    /// The allowed stall timeouts, `timeouts.stall`.
    static let allowedStallTimeout = Duration.seconds(1)...Duration.seconds(3600)
    /// The default time a call into the archive's storage may take before the run ends.
    static let defaultStorageTimeout = Duration.seconds(120)
    /// The allowed storage timeouts, `timeouts.storage`.
    static let allowedStorageTimeout = Duration.seconds(5)...Duration.seconds(3600)

    /// The API base URL, without a trailing slash.
    var apiBaseURL: URL
    /// The API key, sent as `X-Api-Key`.
    var apiKey: APIKey
    /// The absolute path of the archive root; whether it exists is checked when a run starts. For an archive in
    /// object storage, its `s3://BUCKET/PREFIX` location as configured (see `bucket`).
    var archiveRoot: String
    /// The bucket the archive is in, when `archive.root` is an `s3://` location; nil for a folder. Its catalog,
    /// lock and partial downloads are then in `stateDirectory`, on the local disk.
    public var bucket: BucketLocation? = nil
    /// How recordings are cut into the parts of multipart uploads to a bucket (not configurable: tests make the
    /// parts small); its `concurrentParts` is replaced by `transfers`.
    var partSizing = BucketUploads.PartSizing()
    /// Where recordings go below the archive root.
    var layout: ArchiveLayout
    /// The modes of created files and folders (`archive.file_mode`).
    var permissions: ArchivePermissions = .default
    /// Things the user should fix that do not stop the run, such as a key file readable by others; the
    /// executable logs each at warning level. Never contains the key.
    public var warnings: [String] = []
    /// The time zone of the date parts in `layout` (`archive.timezone`).
    var timeZone: ArchiveTimeZone
    /// The number of parallel downloads, within `allowedTransfers`.
    var transfers: Int
    /// The hosts recordings may be downloaded from, including after redirects.
    var mediaHosts: [HostPattern]
    /// Whether plain `http://` API and media URLs are allowed (for a local test server).
    var allowInsecureHTTP: Bool
    /// The absolute folder holding the catalog: `state_dir`, or this archive's own folder in the default state
    /// folder on the local disk (`StateDirectory`), as `ConfigurationLoader` resolved it.
    var stateDirectory: String
    /// Where `stateDirectory` came from, for messages.
    var stateDirectorySource: StateDirectory.Source = .setDirectly
    /// Where every value came from (`config show`), as `ConfigurationLoader` found them.
    public var provenance = ConfigurationProvenance()
    /// How far before the last successful sync's watermark an incremental sync starts (`sync.overlap`).
    var syncOverlap: Duration
    /// How much history may pass between two syncs that walk all of it (`sync.full_every`); zero: every run.
    var syncFullEvery: Duration = Self.defaultSyncFullEvery
    /// What must be mounted for a run to use the archive (`archive.require_mount`).
    var mountRequirement: MountRequirement
    /// Free bytes to keep on the archive's file system beyond a transfer's size (`archive.min_free`).
    public var minimumFreeBytes: Int
    /// The free space to assume where the archive's file system reports no figures (`archive.assume_free`, as
    /// smbnetfs shows SMB shares); nil: such a file system gets a warning and no space check.
    var assumedFreeBytes: Int?
    /// Tries per request, including the first, within `allowedRetryAttempts` (`retry.attempts`).
    public var retryAttempts: Int
    /// The cap of the exponential backoff and of `Retry-After` (`retry.max_delay`).
    public var retryMaxDelay: Duration
    /// The time allowed to establish a connection (`timeouts.connect`).
    var connectTimeout: Duration
    /// A transfer that receives nothing for this long is aborted (`timeouts.stall`).
    var stallTimeout: Duration
    /// A call into the archive's storage (open, write, flush, rename) that takes longer ends the run with exit 3
    /// (`timeouts.storage`): on a hung share it would block forever.
    var storageTimeout: Duration = Self.defaultStorageTimeout
    /// The first retry's backoff; each further retry doubles it, up to `retryMaxDelay` (not configurable:
    /// tests shorten it).
    public var retryBaseDelay: Duration = .seconds(1)
    /// The limit of all downloads together, by time of day (`bwlimit`, `--bwlimit`); nil: unlimited.
    var bandwidthSchedule: BandwidthSchedule? = nil
    /// The healthchecks.io-style URL told when a sync starts and how it ended (`monitoring.ping_url`); nil: none.
    var pingURL: String? = nil

    /// Creates a configuration directly, without checks (tests and the demo); `ConfigurationLoader` validates.
    public init(
        apiBaseURL: URL = Self.defaultAPIBaseURL,
        apiKey: APIKey,
        archiveRoot: String,
        layout: ArchiveLayout = .default,
        timeZone: ArchiveTimeZone = .utc,
        transfers: Int = Self.defaultTransfers,
        mediaHosts: [HostPattern] = Self.defaultMediaHosts,
        allowInsecureHTTP: Bool = false,
        stateDirectory: String,
        syncOverlap: Duration = Self.defaultSyncOverlap,
        mountRequirement: MountRequirement = .none,
        minimumFreeBytes: Int = Self.defaultMinimumFreeBytes,
        retryAttempts: Int = Self.defaultRetryAttempts,
        retryMaxDelay: Duration = Self.defaultRetryMaxDelay,
        connectTimeout: Duration = Self.defaultConnectTimeout,
        stallTimeout: Duration = Self.defaultStallTimeout
    ) {
        self.apiBaseURL = apiBaseURL
        self.apiKey = apiKey
        self.archiveRoot = archiveRoot
        self.layout = layout
        self.timeZone = timeZone
        self.transfers = transfers
        self.mediaHosts = mediaHosts
        self.allowInsecureHTTP = allowInsecureHTTP
        self.stateDirectory = stateDirectory
        self.syncOverlap = syncOverlap
        self.mountRequirement = mountRequirement
        self.minimumFreeBytes = minimumFreeBytes
        self.retryAttempts = retryAttempts
        self.retryMaxDelay = retryMaxDelay
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
    }
}
