public import FoundationEssentials

/// A multipart upload that was started and neither completed nor aborted (ListMultipartUploads' `Upload`).
public struct MultipartUpload: Sendable, Equatable {
    /// The key the upload will create.
    public var key: String
    /// The store's ID of the upload.
    public var uploadID: String
    /// When the upload was started, if the store said so in a form that parses.
    public var initiated: Date?
}

/// One page of a ListMultipartUploads answer.
public struct MultipartUploadsPage: Sendable {
    /// The uploads of this page.
    public var uploads: [MultipartUpload]
    /// Where the next page starts; nil on the last page.
    public var nextMarker: Marker?

    /// Where a page of uploads starts: after this key and upload ID.
    ///
    /// AWS names both (`NextKeyMarker`, `NextUploadIdMarker`) and orders uploads by key; SeaweedFS 4.48 orders
    /// them by upload ID, names only `NextUploadIdMarker`, and lists nothing when a `key-marker` comes with it.
    /// So the next request sends exactly the markers the answer named.
    public struct Marker: Sendable, Equatable {
        /// The `key-marker` to send, if the answer named one.
        public var key: String?
        /// The `upload-id-marker` to send, if the answer named one.
        public var uploadID: String?
    }

    /// Reads a `ListMultipartUploadsResult` document.
    init?(_ root: XMLElement) {
        guard root.name == "ListMultipartUploadsResult" else { return nil }
        var uploads: [MultipartUpload] = []
        for entry in root.children(named: "Upload") {
            guard let key = entry.text(of: "Key"), let uploadID = entry.text(of: "UploadId") else { return nil }
            uploads.append(
                MultipartUpload(
                    key: key, uploadID: uploadID, initiated: entry.text(of: "Initiated").flatMap(parseS3Timestamp)))
        }
        self.uploads = uploads
        if root.text(of: "IsTruncated") == "true" {
            let nonEmpty = { (text: String?) in text.flatMap { $0.isEmpty ? nil : $0 } }
            let marker = Marker(
                key: nonEmpty(root.text(of: "NextKeyMarker")), uploadID: nonEmpty(root.text(of: "NextUploadIdMarker")))
            guard marker.key != nil || marker.uploadID != nil else { return nil }
            nextMarker = marker
        }
    }
}

/// A part stored by UploadPart, as CompleteMultipartUpload names it.
public struct UploadedPart: Sendable, Equatable {
    /// The part's number, 1 to 10,000; parts join in this order.
    public var partNumber: Int
    /// The part's entity tag, without quotes.
    public var etag: String
    /// The part's SHA-256 checksum (base64), which the store verified on upload.
    public var checksumSHA256: String
    /// The part's size in bytes.
    public var sizeBytes: Int
}
