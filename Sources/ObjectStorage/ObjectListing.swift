public import FoundationEssentials

/// One object of a listing (ListObjectsV2's `Contents`).
public struct ObjectSummary: Sendable, Equatable {
    /// The object's key.
    public var key: String
    /// The object's size in bytes.
    public var sizeBytes: Int
    /// The entity tag, without quotes.
    public var etag: String
    /// When the object was last written, if the store said so in a form that parses.
    public var lastModified: Date?
}

/// One page of a ListObjectsV2 answer.
public struct ObjectListingPage: Sendable {
    /// The objects of this page, in key order (UTF-8 bytes).
    public var objects: [ObjectSummary]
    /// The token that asks for the next page; nil on the last page.
    public var nextContinuationToken: String?

    /// Reads a `ListBucketResult` document.
    init?(_ root: XMLElement) {
        guard root.name == "ListBucketResult" else { return nil }
        var objects: [ObjectSummary] = []
        for entry in root.children(named: "Contents") {
            guard let key = entry.text(of: "Key"), let size = entry.text(of: "Size").flatMap({ Int($0) }) else {
                return nil
            }
            objects.append(
                ObjectSummary(
                    key: key, sizeBytes: size, etag: unquoted(entry.text(of: "ETag") ?? ""),
                    lastModified: entry.text(of: "LastModified").flatMap(parseS3Timestamp)))
        }
        self.objects = objects
        let isTruncated = root.text(of: "IsTruncated") == "true"
        nextContinuationToken = isTruncated ? root.text(of: "NextContinuationToken") : nil
        if isTruncated && nextContinuationToken == nil { return nil }
    }
}

/// Every object under a prefix, page after page (ListObjectsV2 with its continuation token), fetched as the
/// sequence is iterated.
public struct ObjectListing: AsyncSequence, Sendable {
    public typealias Element = ObjectSummary

    let client: S3Client
    let bucket: String
    let prefix: String
    let pageSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(listing: self)
    }

    /// Hands out the objects of one page, then asks for the next.
    public struct Iterator: AsyncIteratorProtocol {
        let listing: ObjectListing
        private var buffer: [ObjectSummary] = []
        private var nextToken: String?
        private var isFinished = false

        init(listing: ObjectListing) {
            self.listing = listing
        }

        /// The next object, or nil after the last page.
        /// - Throws: `S3Error` when a page cannot be listed.
        public mutating func next() async throws -> ObjectSummary? {
            while buffer.isEmpty {
                guard !isFinished else { return nil }
                let page = try await listing.client.listObjectsV2(
                    bucket: listing.bucket, prefix: listing.prefix, maxKeys: listing.pageSize,
                    continuationToken: nextToken)
                buffer = page.objects.reversed()
                nextToken = page.nextContinuationToken
                isFinished = nextToken == nil
            }
            return buffer.popLast()
        }
    }
}

/// An S3 timestamp (`2026-12-06T05:14:18Z` or `2026-12-06T05:14:18.000Z`).
func parseS3Timestamp(_ text: String) -> Date? {
    (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
        ?? (try? Date.ISO8601FormatStyle().parse(text))
}
