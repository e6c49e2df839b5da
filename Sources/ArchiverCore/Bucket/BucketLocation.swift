public import ObjectStorage

/// Where an archive in object storage lives and how to reach it: `archive.root: s3://BUCKET/PREFIX` with the
/// configuration's `s3` section (endpoint, region, addressing) and the credentials found for it.
///
/// A recording's key is the prefix followed by its path below the archive root, so the bucket holds the same tree
/// a folder would: `PREFIX/Agent/2026/12/06/…mp4` and its `.json` sidecar beside it.
public struct BucketLocation: Sendable {
    /// The bucket's name.
    public var bucket: String
    /// The keys' common prefix: empty, or ending with `/`.
    public var prefix: String
    /// The store's URL, region and addressing style.
    public var endpoint: S3Endpoint
    /// The key pair requests are signed with; its secret never reaches any output.
    public var credentials: S3Credentials

    /// Creates a location; a `prefix` without a trailing `/` gets one.
    public init(bucket: String, prefix: String, endpoint: S3Endpoint, credentials: S3Credentials) {
        self.bucket = bucket
        let trimmed = prefix.drop { $0 == "/" }
        self.prefix = trimmed.isEmpty || trimmed.hasSuffix("/") ? String(trimmed) : "\(trimmed)/"
        self.endpoint = endpoint
        self.credentials = credentials
    }

    /// The location as the configuration names it: `s3://BUCKET/PREFIX`.
    public var uri: String { "s3://\(bucket)/\(prefix)" }

    /// The key of the file at `relativePath` below the archive root.
    func key(for relativePath: String) -> String { prefix + relativePath }

    /// The path below the archive root of the object under `key`; nil for a key outside the prefix.
    func relativePath(ofKey key: String) -> String? {
        guard key.hasPrefix(prefix), key.count > prefix.count else { return nil }
        return String(key.dropFirst(prefix.count))
    }
}
