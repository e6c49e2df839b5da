/// What an object's bytes hash to, read back from the store (`S3Client.objectDigest`).
public struct ObjectDigest: Sendable, Equatable {
    /// How many bytes the store sent.
    public var sizeBytes: Int
    /// The SHA-256 of those bytes, lower-case hex.
    public var sha256Hex: String
    /// The SHA-256 checksum the store keeps for the object (base64, as the store sent it; `BASE64-N` for a
    /// multipart object's checksum of its parts' checksums); nil when the store kept none.
    public var storedChecksumSHA256: String?

    /// Creates the digest of an object's bytes.
    public init(sizeBytes: Int, sha256Hex: String, storedChecksumSHA256: String?) {
        self.sizeBytes = sizeBytes
        self.sha256Hex = sha256Hex
        self.storedChecksumSHA256 = storedChecksumSHA256
    }
}
