import FoundationEssentials
import Glibc
import YAML

/// The values found in one YAML configuration file, each with the key and line it came from.
///
/// Only the keys of the documented format are accepted, at every level; anything else is an error that names the
/// dotted key, its line and the keys allowed there, so a typo never silently falls back to a default.
struct ConfigurationFile {
    /// A value and where it was written.
    struct Sourced<Value> {
        var value: Value
        var source: ConfigurationSource
    }

    /// The keys allowed at the top level.
    static let topLevelKeys = [
        "api", "archive", "transfers", "media_hosts", "allow_insecure_http", "state_dir", "sync", "retry", "timeouts",
        "bwlimit", "monitoring", "s3",
    ]
    /// The keys allowed under `api`.
    static let apiKeys = ["base_url", "key_file"]
    /// The keys allowed under `archive`.
    static let archiveKeys = [
        "root", "layout", "timezone", "require_mount", "min_free", "assume_free", "file_mode",
    ]
    /// The keys allowed under `sync`.
    static let syncKeys = ["overlap", "full_every"]
    /// The keys allowed under `retry`.
    static let retryKeys = ["attempts", "max_delay"]
    /// The keys allowed under `timeouts`.
    static let timeoutKeys = ["connect", "stall", "storage"]
    /// The keys allowed under `monitoring`.
    static let monitoringKeys = ["ping_url"]
    /// The keys allowed under `s3`.
    static let s3Keys = ["endpoint", "region", "path_style", "credentials_file", "profile"]

    /// The path of the file as given; empty for the defaults-only value.
    var path = ""
    /// The folder holding the file, against which relative paths in it are resolved; empty for the defaults-only
    /// value.
    var folder = ""
    /// The line of each dotted key the file sets (`dottedKeyLines(of:)`), for `config show`.
    var keyLines: [String: Int] = [:]
    var baseURL: Sourced<String>?
    /// The API key file, already resolved against the configuration file's folder.
    var keyFile: Sourced<String>?
    var archiveRoot: Sourced<String>?
    var layout: ArchiveLayout?
    var permissions: ArchivePermissions?
    var timeZone: ArchiveTimeZone?
    var transfers: Sourced<Int>?
    var mediaHosts: [HostPattern]?
    var allowInsecureHTTP: Bool?
    /// `state_dir` as written (resolved against `folder` by the loader).
    var stateDirectory: Sourced<String>?
    var syncOverlap: Duration?
    var syncFullEvery: Duration?
    var mountRequirement: Sourced<MountRequirement>?
    var minimumFreeBytes: Int?
    var assumedFreeBytes: Int?
    var retryAttempts: Int?
    var retryMaxDelay: Duration?
    var connectTimeout: Duration?
    var stallTimeout: Duration?
    var storageTimeout: Duration?
    var bandwidthSchedule: BandwidthSchedule?
    var pingURL: String?
    /// Where the `s3` section is, when the file has one that is not empty.
    var s3Section: ConfigurationSource?
    /// `s3.endpoint` as written (checked by the loader, which knows `allow_insecure_http`).
    var s3Endpoint: Sourced<String>?
    var s3Region: Sourced<String>?
    var s3PathStyle: Bool?
    /// The S3 credentials file, already resolved against the configuration file's folder.
    var s3CredentialsFile: Sourced<String>?
    var s3Profile: Sourced<String>?

    /// No file: every value is left to the environment, the flags or the defaults.
    init() {}

    /// The largest configuration file read; the documented example is about 4 KiB.
    static let maximumFileBytes = 1 << 20

    /// Reads and checks the file at `path`.
    ///
    /// Only a regular file of at most `maximumFileBytes` is read, so that `--config /dev/zero` is refused instead of
    /// filling memory (and `FileManager.contents(atPath:)`, which leaks a 4 KiB buffer on an empty file, is not used).
    /// - Throws: `ConfigurationError.fileUnreadable` when it cannot be read, or any error from `init(yaml:path:)`.
    init(contentsOf path: String, currentDirectory: String) throws(ConfigurationError) {
        let absolute = ConfigurationLoader.absolutePath(path, currentDirectory: currentDirectory)
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.contents(atPath: absolute, limit: Self.maximumFileBytes).bytes
        } catch {
            let reason = error == .tooLarge ? "it is larger than 1 MiB, not a configuration file" : error.reason
            throw .fileUnreadable(path: path, reason: reason)
        }
        // Data's UTF-8 decoding drops a leading byte order mark.
        guard let text = String(data: Data(bytes), encoding: .utf8) else {
            throw .fileUnreadable(path: path, reason: "not UTF-8 text")
        }
        try self.init(yaml: text, path: path, folder: absolute.deletingLastPathComponent)
    }

    /// Parses YAML text; `path` is used in messages and `folder` resolves a relative `api.key_file`.
    /// - Throws: `ConfigurationError` naming the file, line and key of the first problem.
    init(yaml: String, path: String, folder: String) throws(ConfigurationError) {
        self.path = path
        let root: YAMLNode?
        do throws(YAMLError) {
            root = try YAMLDocument(yaml: yaml).root
        } catch {
            throw .malformedFile(path: path, line: error.line, problem: error.problem)
        }
        self.folder = folder
        guard let root, !Self.isNull(root) else { return }
        guard case .mapping(let top) = root.content else { throw .topLevelNotMapping(path: path, line: root.line) }
        keyLines = Self.dottedKeyLines(of: root)
        for (key, value) in try entries(of: top, parent: nil, allowed: Self.topLevelKeys) {
            switch key {
            case "api":
                let section = try section(value, key: "api", allowed: Self.apiKeys)
                for (key, value) in try entries(of: section, parent: "api", allowed: Self.apiKeys) {
                    try readAPI(key: key, value: value, folder: folder)
                }
            case "archive":
                let section = try section(value, key: "archive", allowed: Self.archiveKeys)
                for (key, value) in try entries(of: section, parent: "archive", allowed: Self.archiveKeys) {
                    try readArchive(key: key, value: value)
                }
            case "transfers":
                guard let text = try string(value, key: key) else { continue }
                let source = self.source(key, value)
                let count = try ConfigurationLoader.transfers(from: text, source: source)
                transfers = Sourced(value: count, source: source)
            case "media_hosts":
                mediaHosts = try hostPatterns(value)
            case "state_dir":
                guard let text = try string(value, key: key) else { continue }
                guard !text.trimmingWhitespaceAndNewlines().isEmpty else {
                    throw .invalidValue(
                        value: text, source: source(key, value),
                        expected: "the path of a folder for the catalog (absolute, or relative to this file's folder)")
                }
                stateDirectory = Sourced(value: text, source: source(key, value))
            case "sync":
                let section = try section(value, key: "sync", allowed: Self.syncKeys)
                for (key, value) in try entries(of: section, parent: "sync", allowed: Self.syncKeys) {
                    if key == "full_every" {
                        syncFullEvery = try duration(
                            value, key: "sync.full_every", allowed: ArchiverConfiguration.allowedSyncFullEvery)
                    } else {
                        syncOverlap = try duration(
                            value, key: "sync." + key, allowed: ArchiverConfiguration.allowedSyncOverlap)
                    }
                }
            case "retry":
                let section = try section(value, key: "retry", allowed: Self.retryKeys)
                for (key, value) in try entries(of: section, parent: "retry", allowed: Self.retryKeys) {
                    try readRetry(key: key, value: value)
                }
            case "timeouts":
                let section = try section(value, key: "timeouts", allowed: Self.timeoutKeys)
                for (key, value) in try entries(of: section, parent: "timeouts", allowed: Self.timeoutKeys) {
                    if key == "connect" {
                        connectTimeout = try duration(
                            value, key: "timeouts.connect", allowed: ArchiverConfiguration.allowedConnectTimeout)
                    } else if key == "stall" {
                        stallTimeout = try duration(
                            value, key: "timeouts.stall", allowed: ArchiverConfiguration.allowedStallTimeout)
                    } else {
                        storageTimeout = try duration(
                            value, key: "timeouts.storage", allowed: ArchiverConfiguration.allowedStorageTimeout)
                    }
                }
            case "bwlimit":
                guard let text = try string(value, key: key) else { continue }
                bandwidthSchedule = try BandwidthSchedule(parsing: text, source: source(key, value))
            case "monitoring":
                let section = try section(value, key: "monitoring", allowed: Self.monitoringKeys)
                for (key, value) in try entries(of: section, parent: "monitoring", allowed: Self.monitoringKeys) {
                    guard let text = try string(value, key: "monitoring." + key) else { continue }
                    pingURL = try ConfigurationLoader.pingURL(from: text, source: source("monitoring." + key, value))
                }
            case "s3":
                guard let section = try section(value, key: "s3", allowed: Self.s3Keys) else { continue }
                // The line of the `s3:` key itself, not of its first entry.
                s3Section = .file(key: key, path: path, line: top.first { $0.key.scalarText == key }?.key.line)
                for (key, value) in try entries(of: section, parent: "s3", allowed: Self.s3Keys) {
                    try readS3(key: key, value: value, folder: folder)
                }
            default:
                allowInsecureHTTP = try bool(value, key: key)
            }
        }
    }

    private mutating func readAPI(key: String, value: YAMLNode, folder: String) throws(ConfigurationError) {
        let dotted = "api." + key
        guard let text = try string(value, key: dotted) else { return }
        switch key {
        case "base_url":
            baseURL = Sourced(value: text, source: source(dotted, value))
        default:
            let resolved = ConfigurationLoader.absolutePath(text, currentDirectory: folder)
            keyFile = Sourced(value: resolved, source: source(dotted, value))
        }
    }

    private mutating func readS3(key: String, value: YAMLNode, folder: String) throws(ConfigurationError) {
        let dotted = "s3." + key
        if key == "path_style" {
            s3PathStyle = try bool(value, key: dotted)
            return
        }
        guard let text = try string(value, key: dotted) else { return }
        let sourced = Sourced(value: text, source: source(dotted, value))
        switch key {
        case "endpoint":
            s3Endpoint = sourced
        case "region":
            s3Region = sourced
        case "credentials_file":
            guard !text.trimmingWhitespaceAndNewlines().isEmpty else {
                throw .invalidValue(
                    value: text, source: sourced.source,
                    expected: "the path of an AWS shared credentials file (absolute, or relative to this file's folder)"
                )
            }
            s3CredentialsFile = Sourced(
                value: ConfigurationLoader.absolutePath(text, currentDirectory: folder), source: sourced.source)
        default:
            s3Profile = sourced
        }
    }

    private mutating func readArchive(key: String, value: YAMLNode) throws(ConfigurationError) {
        let dotted = "archive." + key
        switch key {
        case "require_mount":
            mountRequirement = try mountRequirement(value, key: dotted).map {
                Sourced(value: $0, source: source(dotted, value))
            }
            return
        case "min_free":
            guard let text = try string(value, key: dotted) else { return }
            minimumFreeBytes = try ConfigurationLoader.byteSize(from: text, source: source(dotted, value))
            return
        case "assume_free":
            guard let text = try string(value, key: dotted) else { return }
            assumedFreeBytes = try ConfigurationLoader.byteSize(from: text, source: source(dotted, value))
            return
        default:
            break
        }
        guard let text = try string(value, key: dotted) else { return }
        switch key {
        case "root":
            archiveRoot = Sourced(value: text, source: source(dotted, value))
        case "file_mode":
            guard let parsed = ArchivePermissions(octal: text) else {
                throw .invalidValue(
                    value: text, source: source(dotted, value),
                    expected: "an octal file mode such as \"0640\" (quote it in YAML): the owner may read and "
                        + "write, nobody may execute, no setuid, setgid or sticky bits; folders get x where r is set")
            }
            permissions = parsed
        case "layout":
            do throws(ConfigurationError) {
                layout = try ArchiveLayout(template: text)
            } catch {
                throw error.relocated(to: source(dotted, value))
            }
        default:
            guard let zone = ArchiveTimeZone(identifier: text.trimmingWhitespaceAndNewlines()) else {
                throw .invalidValue(
                    value: text, source: source(dotted, value),
                    expected: "a time zone identifier such as UTC, Europe/Berlin or America/New_York, from the "
                        + "system's tz database (/usr/share/zoneinfo; Debian package tzdata)")
            }
            timeZone = zone
        }
    }

    private mutating func readRetry(key: String, value: YAMLNode) throws(ConfigurationError) {
        let dotted = "retry." + key
        if key == "attempts" {
            guard let text = try string(value, key: dotted) else { return }
            retryAttempts = try ConfigurationLoader.wholeNumber(
                from: text, source: source(dotted, value), allowed: ArchiverConfiguration.allowedRetryAttempts)
        } else {
            retryMaxDelay = try duration(value, key: dotted, allowed: ArchiverConfiguration.allowedRetryMaxDelay)
        }
    }

    /// A duration value (`30s`, `5m`, `2h`, `2d`, or seconds) within `allowed`; `nil` when not set.
    private func duration(_ node: YAMLNode, key: String, allowed: ClosedRange<Duration>) throws(ConfigurationError)
        -> Duration?
    {
        guard let text = try string(node, key: key) else { return nil }
        return try ConfigurationLoader.duration(from: text, source: source(key, node), allowed: allowed)
    }

    /// The non-empty list of host patterns in `media_hosts`.
    private func hostPatterns(_ node: YAMLNode) throws(ConfigurationError) -> [HostPattern]? {
        if Self.isNull(node) { return nil }
        let expected = "a list of host patterns such as [\"*.getscreen.me\"]"
        guard case .sequence(let items) = node.content else {
            throw .wrongType(source: source("media_hosts", node), expected: expected, found: Self.describe(node))
        }
        guard !items.isEmpty else {
            throw .wrongType(source: source("media_hosts", node), expected: expected, found: "an empty list")
        }
        var patterns: [HostPattern] = []
        for (index, item) in items.enumerated() {
            let key = "media_hosts[\(index)]"
            guard let text = item.scalarText, !Self.isNull(item) else {
                throw .wrongType(
                    source: source(key, item), expected: "a host pattern string",
                    found: Self.describe(item))
            }
            do throws(ConfigurationError) {
                patterns.append(try HostPattern(text))
            } catch {
                throw error.relocated(to: source(key, item))
            }
        }
        return patterns
    }

    /// The pairs of `mapping`, after checking every key against `allowed`.
    private func entries(of mapping: YAMLNode.Mapping?, parent: String?, allowed: [String])
        throws(ConfigurationError) -> [(String, YAMLNode)]
    {
        guard let mapping else { return [] }
        var result: [(String, YAMLNode)] = []
        for (keyNode, value) in mapping {
            let name = keyNode.scalarText ?? Self.describe(keyNode)
            let dotted = parent.map { "\($0).\(name)" } ?? name
            guard allowed.contains(name) else {
                throw .unknownKey(
                    key: dotted, path: path, line: keyNode.line, allowedKeys: allowed,
                    suggestion: Self.suggestion(for: name, parent: parent, allowed: allowed))
            }
            result.append((name, value))
        }
        return result
    }

    /// The mapping under a section key; `nil` when the section is empty.
    private func section(_ node: YAMLNode, key: String, allowed: [String])
        throws(ConfigurationError) -> YAMLNode.Mapping?
    {
        if Self.isNull(node) { return nil }
        guard case .mapping(let mapping) = node.content else {
            throw .wrongType(
                source: source(key, node),
                expected: "a mapping with the keys \(allowed.joined(separator: ", "))", found: Self.describe(node))
        }
        return mapping
    }

    /// The text of a scalar value; `nil` for an empty value (`key:` or `key: ~`), which means "not set".
    private func string(_ node: YAMLNode, key: String) throws(ConfigurationError) -> String? {
        if Self.isNull(node) { return nil }
        guard let text = node.scalarText else {
            throw .wrongType(source: source(key, node), expected: "a single value", found: Self.describe(node))
        }
        // A quoted "\0" would reach paths and URLs, where the system sees the text end early (or Foundation
        // percent-encodes it): refused here, for every key.
        guard !text.utf8.contains(0) else {
            throw .invalidValue(
                value: text.replacing("\0", with: "\\0"), source: source(key, node), expected: "text without NUL")
        }
        return text
    }

    /// `archive.require_mount`: true, false, or the absolute path of the mount point that holds the root.
    private func mountRequirement(_ node: YAMLNode, key: String) throws(ConfigurationError) -> MountRequirement? {
        if Self.isNull(node) { return nil }
        if let value = Self.boolValue(node) { return value ? .rootIsMountPoint : MountRequirement.none }
        guard let text = try string(node, key: key), text.hasPrefix("/") else {
            throw .wrongType(
                source: source(key, node),
                expected: "true, false, or the absolute path of the mount point that holds archive.root",
                found: Self.describe(node))
        }
        return .mountPoint(ConfigurationLoader.absolutePath(text, currentDirectory: "/"))
    }

    private func bool(_ node: YAMLNode, key: String) throws(ConfigurationError) -> Bool? {
        if Self.isNull(node) { return nil }
        guard let value = Self.boolValue(node) else {
            throw .wrongType(source: source(key, node), expected: "true or false", found: Self.describe(node))
        }
        return value
    }

    /// The text of a plain (unquoted) scalar tagged str (no tag written, `!` or `!!str`), which the callers resolve
    /// to YAML 1.1 null and bool; nil for quoted and block scalars and collections.
    private static func plainText(_ node: YAMLNode) -> String? {
        guard case .scalar(let text, .plain) = node.content, node.tag == YAMLNode.stringTag else { return nil }
        return text
    }

    private static func boolValue(_ node: YAMLNode) -> Bool? {
        if node.tag == YAMLNode.boolTag {
            switch node.scalarText?.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: return nil
            }
        }
        switch plainText(node) {
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return true
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    private func source(_ key: String, _ node: YAMLNode) -> ConfigurationSource {
        .file(key: key, path: path, line: node.line)
    }

    static func isNull(_ node: YAMLNode) -> Bool {
        if node.tag == YAMLNode.nullTag { return true }
        switch plainText(node) {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// A short description of a value for messages: the quoted scalar, or its kind.
    private static func describe(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let text, _): String(reflecting: text)
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}
