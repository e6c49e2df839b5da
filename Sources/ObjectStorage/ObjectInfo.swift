/// What the store says about one object (HeadObject, GetObject, PutObject).
public struct ObjectInfo: Sendable, Equatable {
    /// The object's size in bytes.
    public var sizeBytes: Int
    /// The entity tag, without quotes: the MD5 of a single-part object's bytes, `HASH-N` for N parts.
    public var etag: String
    /// The SHA-256 checksum the store keeps (base64); `BASE64-N` for a multipart object's checksum of its parts'
    /// checksums; nil when the store kept none.
    public var checksumSHA256: String?

    /// Creates the description of an object.
    public init(sizeBytes: Int, etag: String, checksumSHA256: String?) {
        self.sizeBytes = sizeBytes
        self.etag = etag
        self.checksumSHA256 = checksumSHA256
    }

    /// Reads the headers of a HEAD, GET or PUT answer (names lowercased).
    init(headers: [String: String], sizeBytes: Int? = nil) {
        self.sizeBytes = sizeBytes ?? headers["content-length"].flatMap { Int($0) } ?? 0
        etag = unquoted(headers["etag"] ?? "")
        checksumSHA256 = headers["x-amz-checksum-sha256"]
    }
}

/// An entity tag without its surrounding double quotes.
func unquoted(_ etag: String) -> String {
    etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
}
