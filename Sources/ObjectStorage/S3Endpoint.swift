/// Where an S3-compatible store answers, and how bucket names go into its URLs.
public struct S3Endpoint: Sendable, Equatable {
    /// How a request names its bucket.
    public enum Addressing: Sendable, Equatable {
        /// `https://host/BUCKET/KEY`: what local stores (SeaweedFS, MinIO) need, and a host name without buckets.
        case pathStyle
        /// `https://BUCKET.host/KEY`: AWS's default, needed for its newer buckets.
        case virtualHosted
    }

    /// The store's base URL, such as `https://s3.eu-central-1.amazonaws.com` or `http://127.0.0.1:8333`
    /// (no trailing slash, no query).
    public let url: String
    /// The region requests are signed for (`us-east-1` where the store ignores regions).
    public let region: String
    /// How requests name their bucket.
    public let addressing: Addressing

    /// Creates an endpoint; a trailing `/` of `url` is dropped.
    public init(url: String, region: String, addressing: Addressing) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.region = region
        self.addressing = addressing
    }

    /// The URL of a request on `bucket` (and `key`, for an object), with `query` in SigV4's canonical form.
    ///
    /// libcurl 7.88 signs the path and the query exactly as they appear in the URL: it neither sorts the query
    /// nor adds the `=` of a parameter without a value (`?uploads`), so both are written here as AWS's canonical
    /// request has them: every parameter as `name=value`, sorted by name, and every byte outside A-Z a-z 0-9
    /// `-._~` percent-encoded (`/` kept in the key's path).
    func requestURL(bucket: String, key: String?, query: [(name: String, value: String)] = []) -> String {
        let objectPath = key.map { "/" + Self.encode($0, keepingSlashes: true) } ?? ""
        var result: String
        switch addressing {
        case .pathStyle:
            result = "\(url)/\(Self.encode(bucket, keepingSlashes: false))\(objectPath)"
        case .virtualHosted:
            let parts = url.split(separator: "://", maxSplits: 1)
            let (scheme, host) = parts.count == 2 ? ("\(parts[0])://", parts[1]) : ("", parts[0])
            result = "\(scheme)\(bucket).\(host)\(objectPath.isEmpty ? "/" : objectPath)"
        }
        if !query.isEmpty {
            let sorted = query.sorted { ($0.name, $0.value) < ($1.name, $1.value) }
            result +=
                "?"
                + sorted.map {
                    "\(Self.encode($0.name, keepingSlashes: false))=\(Self.encode($0.value, keepingSlashes: false))"
                }
                .joined(separator: "&")
        }
        return result
    }

    /// SigV4's URI encoding: the UTF-8 bytes of `text`, those outside `A-Z a-z 0-9 - . _ ~` (and `/` when
    /// `keepingSlashes`) as `%XX` with upper-case hex digits.
    static func encode(_ text: String, keepingSlashes: Bool) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlashes:
                encoded += "/"
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                encoded += "%"
                encoded.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
                encoded.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0x0F)]))
            }
        }
        return encoded
    }
}
