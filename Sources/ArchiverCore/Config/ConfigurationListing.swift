import FoundationEssentials
import ObjectStorage

/// The effective configuration as `config show` prints it: one line per value, with where it came from.
///
/// The API key and the S3 secret access key show as `<redacted>` (or `not loaded`), never any part of them; the S3
/// lines (`s3.endpoint`, `s3.region`, `s3.path_style`, `s3.access_key_id`, `s3.secret_access_key`) appear only for
/// an archive in object storage, the key pair's origin saying where it was found.
public struct ConfigurationListing: Sendable {
    /// One value and its origin.
    struct Entry: Sendable, Equatable {
        /// The dotted config key (`archive.root`), or `config file` for the file itself.
        var key: String
        /// The value as the configuration file would write it.
        var value: String
        /// Where it came from: "--archive", "environment variable …", "/etc/x.yaml:12", "default", ….
        var origin: String
    }

    /// The lines, in the order of the example configuration file.
    let entries: [Entry]

    /// The listing of `configuration`.
    public init(_ configuration: ArchiverConfiguration) {
        let provenance = configuration.provenance
        var entries = [Self.fileEntry(provenance.location)]
        func add(_ key: String, _ value: String) {
            entries.append(Entry(key: key, value: value, origin: provenance.origin(of: key).description))
        }
        add("api.base_url", configuration.apiBaseURL.absoluteString)
        add("api.key", configuration.apiKey.isLoaded ? "\(configuration.apiKey)" : "not loaded")
        add("archive.root", configuration.archiveRoot)
        add("archive.layout", configuration.layout.template)
        add("archive.timezone", configuration.timeZone.identifier)
        add("archive.require_mount", Self.describe(configuration.mountRequirement))
        add("archive.min_free", Self.describe(bytes: configuration.minimumFreeBytes))
        add("archive.assume_free", configuration.assumedFreeBytes.map { Self.describe(bytes: $0) } ?? "not set")
        add("archive.file_mode", "\(configuration.permissions)")
        if let bucket = configuration.bucket {
            add("s3.endpoint", bucket.endpoint.url)
            add("s3.region", bucket.endpoint.region)
            add("s3.path_style", String(bucket.endpoint.addressing == .pathStyle))
            let loaded = bucket.credentials.isLoaded
            add("s3.access_key_id", loaded ? bucket.credentials.accessKeyID : "not loaded")
            add("s3.secret_access_key", loaded ? "<redacted>" : "not loaded")
        }
        add("transfers", String(configuration.transfers))
        add("media_hosts", configuration.mediaHosts.map(\.description).joined(separator: ", "))
        add("allow_insecure_http", String(configuration.allowInsecureHTTP))
        add("state_dir", configuration.stateDirectory)
        add("sync.overlap", ConfigurationLoader.describe(configuration.syncOverlap))
        add("sync.full_every", ConfigurationLoader.describe(configuration.syncFullEvery))
        add("retry.attempts", String(configuration.retryAttempts))
        add("retry.max_delay", ConfigurationLoader.describe(configuration.retryMaxDelay))
        add("timeouts.connect", ConfigurationLoader.describe(configuration.connectTimeout))
        add("timeouts.stall", ConfigurationLoader.describe(configuration.stallTimeout))
        add("timeouts.storage", ConfigurationLoader.describe(configuration.storageTimeout))
        add("bwlimit", configuration.bandwidthSchedule?.description ?? "off")
        add("monitoring.ping_url", configuration.pingURL ?? "not set")
        self.entries = entries
    }

    /// The lines as text: key, value and origin in aligned columns, the origin in parentheses.
    public var text: String {
        let keyWidth = entries.map(\.key.count).max() ?? 0
        let valueWidth = min(entries.map(\.value.count).max() ?? 0, 40)
        return entries.map { entry in
            let key = entry.key.padding(toLength: keyWidth)
            let value = entry.value.padding(toLength: valueWidth)
            return "\(key)  \(value)  (\(entry.origin))\n"
        }.joined()
    }

    /// The `config file` line: the file and how it was found, or the places searched.
    private static func fileEntry(_ location: ConfigurationLocation) -> Entry {
        if let path = location.path {
            return Entry(key: "config file", value: path, origin: location.origin?.description ?? "the program")
        }
        let origin =
            location.searched.isEmpty
            ? "none given" : "none found; searched \(location.searched.joined(separator: ", "))"
        return Entry(key: "config file", value: "none", origin: origin)
    }

    /// `archive.require_mount` as the file writes it.
    static func describe(_ requirement: MountRequirement) -> String {
        switch requirement {
        case .none: "false"
        case .rootIsMountPoint: "true"
        case .mountPoint(let path): path
        }
    }

    /// A size in the largest binary unit that divides it (`1GiB`), else in bytes.
    private static func describe(bytes: Int) -> String {
        let units = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        guard bytes != 0, let unit = units.first(where: { bytes % $0.1 == 0 }) else { return String(bytes) }
        return "\(bytes / unit.1)\(unit.0)"
    }
}

extension String {
    /// The string followed by spaces up to `length` characters; unchanged when it is that long already.
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
