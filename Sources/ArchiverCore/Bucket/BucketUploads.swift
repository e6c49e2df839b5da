import FoundationEssentials
import Logging
import ObjectStorage

/// Uploads of recordings into the bucket: one PutObject for a small recording, a multipart upload with its parts
/// sent concurrently for a large one. Every request carries the bytes' SHA-256 (`x-amz-checksum-sha256`), which the
/// store verifies before it keeps them, and an object appears under its key only once whole: a PutObject is atomic,
/// and a multipart object appears at CompleteMultipartUpload. An upload that fails is aborted, so that no parts stay
/// behind to be billed.
struct BucketUploads: Sendable {
    /// How recordings are cut into parts.
    struct PartSizing: Sendable, Equatable {
        /// Recordings of at least this size go up in parts.
        var multipartThreshold: Int = 64 << 20
        /// The size of every part but the last (at least S3's 5 MiB minimum).
        var partSize: Int = 16 << 20
        /// Parts of one recording in flight at once.
        var concurrentParts: Int = 4

        /// The byte ranges of a file of `size` bytes, one per part, numbered from 1.
        func parts(ofFileSized size: Int) -> [(number: Int, offset: Int, length: Int)] {
            stride(from: 0, to: max(size, 1), by: partSize).enumerated().map { index, offset in
                (index + 1, offset, min(partSize, size - offset))
            }
        }
    }

    let store: BucketStore
    let sizing: PartSizing

    /// Stores the file at `path` (`sizeBytes` long, with the SHA-256 `sha256Hex`) as the object at `relativePath`.
    /// - Throws: `S3Error` once a request failed every try (a multipart upload is aborted first).
    func upload(
        file path: String, sizeBytes: Int, sha256Hex: String, to relativePath: String, contentType: String
    ) async throws {
        guard sizeBytes >= sizing.multipartThreshold else {
            _ = try await store.put(file: path, at: relativePath, sha256Hex: sha256Hex, contentType: contentType)
            return
        }
        let client = store.client
        let location = store.location
        let key = location.key(for: relativePath)
        let uploadID = try await store.retrying("starting the upload of \(relativePath)") {
            try await client.createMultipartUpload(bucket: location.bucket, key: key, contentType: contentType)
        }
        do {
            let parts = try await uploadParts(of: path, sizeBytes: sizeBytes, key: key, uploadID: uploadID)
            _ = try await store.retrying("completing the upload of \(relativePath)") {
                try await client.completeMultipartUpload(
                    bucket: location.bucket, key: key, uploadID: uploadID, parts: parts)
            }
        } catch {
            await abort(key: key, uploadID: uploadID)
            throw error
        }
    }

    /// Sends the parts of the file at `path`, at most `sizing.concurrentParts` at a time.
    private func uploadParts(of path: String, sizeBytes: Int, key: String, uploadID: String) async throws
        -> [UploadedPart]
    {
        let client = store.client
        let bucket = store.location.bucket
        var pending = sizing.parts(ofFileSized: sizeBytes)[...]
        var uploaded: [UploadedPart] = []
        try await withThrowingTaskGroup(of: UploadedPart.self) { group in
            func addNext() {
                guard let part = pending.popFirst() else { return }
                group.addTask {
                    try await store.retrying("sending part \(part.number) of \(key)") {
                        try await client.uploadPart(
                            bucket: bucket, key: key, uploadID: uploadID, partNumber: part.number, file: path,
                            offset: part.offset, length: part.length)
                    }
                }
            }
            for _ in 0..<max(sizing.concurrentParts, 1) { addNext() }
            while let part = try await group.next() {
                uploaded.append(part)
                addNext()
            }
        }
        return uploaded
    }

    /// Aborts an upload, logging (not throwing) a failure: the next run's cleanup finds it again.
    func abort(key: String, uploadID: String) async {
        let client = store.client
        let bucket = store.location.bucket
        do {
            try await store.retrying("aborting the upload of \(key)") {
                try await client.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
            }
        } catch {
            store.logger.warning(
                "could not abort a multipart upload; the next run tries again",
                metadata: ["key": "\(key)", "reason": "\(error)"])
        }
    }

    /// The multipart uploads under the archive's prefix that were neither completed nor aborted, by key.
    func unfinished() async throws -> [String: [MultipartUpload]] {
        let client = store.client
        let location = store.location
        var uploads: [String: [MultipartUpload]] = [:]
        var marker: MultipartUploadsPage.Marker?
        repeat {
            let page = try await store.retrying("listing the unfinished uploads in \(location.uri)") { [marker] in
                try await client.listMultipartUploads(bucket: location.bucket, prefix: location.prefix, marker: marker)
            }
            for upload in page.uploads { uploads[upload.key, default: []].append(upload) }
            marker = page.nextMarker
        } while marker != nil
        return uploads
    }

    /// Aborts the uploads older than `age` that an interrupted run left behind (killed, or cut off from the store),
    /// so that their parts stop being billed. Younger ones may belong to a run still going on elsewhere; an upload
    /// of a key that this run uploads again is aborted then (`BucketFiler`).
    /// - Returns: the uploads left, by key.
    func abortStale(
        _ uploads: [String: [MultipartUpload]], olderThan age: Duration, now: Date = Date()
    ) async -> [String: [MultipartUpload]] {
        let cutoff = now.addingTimeInterval(-Double(age.components.seconds))
        var left: [String: [MultipartUpload]] = [:]
        for (key, keyUploads) in uploads {
            for upload in keyUploads {
                // An upload the store gives no date for may be young: left for `BucketFiler`, or a later run.
                guard let initiated = upload.initiated, initiated < cutoff else {
                    left[key, default: []].append(upload)
                    continue
                }
                store.logger.info(
                    "aborting an upload an interrupted run left behind",
                    metadata: ["key": "\(key)", "initiated": "\(initiated.iso8601UTC)"])
                await abort(key: key, uploadID: upload.uploadID)
            }
        }
        return left
    }
}
