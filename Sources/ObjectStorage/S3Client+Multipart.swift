import Curl
import Glibc

extension S3Client {
    /// Starts a multipart upload to `key` whose parts carry SHA-256 checksums (CreateMultipartUpload with
    /// `x-amz-checksum-algorithm: SHA256`, which AWS needs before it accepts a part's checksum).
    ///
    /// Nothing is visible under `key` until `completeMultipartUpload`; until then, or `abortMultipartUpload`,
    /// the store keeps (and bills) the parts.
    /// - Parameter contentType: the object's `Content-Type`; the store's default if nil.
    /// - Returns: the upload's ID.
    /// - Throws: `S3Error`.
    public func createMultipartUpload(bucket: String, key: String, contentType: String? = nil) async throws -> String {
        var call = Call(operation: "CreateMultipartUpload", method: .post, bucket: bucket, key: key)
        call.query = [("uploads", "")]
        call.headers = ["x-amz-checksum-algorithm: SHA256"]
        if let contentType { call.headers.append("Content-Type: \(contentType)") }
        let answer = try document(try await perform(call), for: call)
        guard answer.name == "InitiateMultipartUploadResult", let uploadID = answer.text(of: "UploadId"),
            !uploadID.isEmpty
        else { throw unexpected(answer, for: call) }
        return uploadID
    }

    /// Uploads `length` bytes of the file at `path` from byte `offset` on as part `partNumber` (UploadPart),
    /// streamed from the file, with the range's SHA-256 for the store to verify.
    ///
    /// Parts of one upload may be sent concurrently. Every part but the last must be at least 5 MiB (S3's
    /// rule, checked at completion).
    /// - Returns: what `completeMultipartUpload` needs of the part.
    /// - Throws: `S3Error`: `BadDigest` when the bytes the store received differ, `NoSuchUpload`.
    public func uploadPart(
        bucket: String, key: String, uploadID: String, partNumber: Int, file path: String, offset: Int, length: Int
    ) async throws -> UploadedPart {
        var call = Call(operation: "UploadPart", method: .put, bucket: bucket, key: key)
        call.query = [("partNumber", String(partNumber)), ("uploadId", uploadID)]
        let file = try openFile(path, flags: O_RDONLY, for: call)
        defer { close(file.descriptor) }
        call.body = try fileBody(file.descriptor, offset: offset, length: length, path: path, for: call)
        let response = try await perform(call)
        guard case .file(_, _, _, let digest) = call.body, let etag = response.headers["etag"] else {
            throw failure(.unexpectedAnswer(httpStatus: response.statusCode, detail: "no ETag header"), for: call)
        }
        return UploadedPart(
            partNumber: partNumber, etag: unquoted(etag), checksumSHA256: digest.base64String, sizeBytes: length)
    }

    /// Joins the parts into the object under `key` (CompleteMultipartUpload), which appears whole or not at all.
    ///
    /// The store can fail after it has answered 200; that failure arrives as an `Error` document in the body
    /// and is thrown like any other.
    /// - Parameter parts: every part, in any order (sent sorted by part number).
    /// - Returns: the object's size, entity tag (`HASH-N`) and checksum of its parts' checksums.
    /// - Throws: `S3Error`: `InvalidPart`, `EntityTooSmall`, `NoSuchUpload`, `InternalError`.
    public func completeMultipartUpload(bucket: String, key: String, uploadID: String, parts: [UploadedPart])
        async throws -> ObjectInfo
    {
        var call = Call(operation: "CompleteMultipartUpload", method: .post, bucket: bucket, key: key)
        call.query = [("uploadId", uploadID)]
        let list = parts.sorted { $0.partNumber < $1.partNumber }.map { part in
            XMLElement(
                "Part",
                children: [
                    XMLElement("PartNumber", text: String(part.partNumber)),
                    XMLElement("ETag", text: "\"\(part.etag)\""),
                    XMLElement("ChecksumSHA256", text: part.checksumSHA256),
                ])
        }
        call.body = .xml(XMLElement("CompleteMultipartUpload", children: list).document(namespace: Self.namespace))
        let answer = try document(try await perform(call), for: call)
        guard answer.name == "CompleteMultipartUploadResult", let etag = answer.text(of: "ETag") else {
            throw unexpected(answer, for: call)
        }
        return ObjectInfo(
            sizeBytes: parts.reduce(0) { $0 + $1.sizeBytes }, etag: unquoted(etag),
            checksumSHA256: answer.text(of: "ChecksumSHA256"))
    }

    /// Discards a multipart upload and its parts (AbortMultipartUpload).
    /// - Throws: `S3Error`: `NoSuchUpload` when it was already completed or aborted.
    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) async throws {
        var call = Call(operation: "AbortMultipartUpload", method: .delete, bucket: bucket, key: key)
        call.query = [("uploadId", uploadID)]
        _ = try await perform(call)
    }

    /// One page of the multipart uploads under `prefix` that were neither completed nor aborted
    /// (ListMultipartUploads), to find and abort the ones a killed run left behind.
    /// - Parameters:
    ///   - maxUploads: the most uploads on the page (S3 caps it at 1,000).
    ///   - marker: the previous page's `nextMarker`, nil for the first page.
    /// - Throws: `S3Error`.
    public func listMultipartUploads(
        bucket: String, prefix: String = "", maxUploads: Int = 1000, marker: MultipartUploadsPage.Marker? = nil
    ) async throws -> MultipartUploadsPage {
        var call = Call(operation: "ListMultipartUploads", method: .get, bucket: bucket)
        call.query = [("max-uploads", String(maxUploads)), ("prefix", prefix), ("uploads", "")]
        if let key = marker?.key { call.query.append(("key-marker", key)) }
        if let uploadID = marker?.uploadID { call.query.append(("upload-id-marker", uploadID)) }
        let answer = try document(try await perform(call), for: call)
        guard let page = MultipartUploadsPage(answer) else { throw unexpected(answer, for: call) }
        return page
    }
}
