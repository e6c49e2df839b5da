import Curl
import FoundationEssentials
import Logging
import ObjectStorage

/// The archive's bucket as the rest of the tool uses it: paths below the archive root instead of keys, every
/// request tried again with backoff while the store answers `SlowDown`, fails inside or cannot be reached
/// (`RetryPolicy`, `S3Error.isRetryable`), and the store's errors in the tool's terms (`S3Error.archiverError`).
struct BucketStore: Sendable {
    /// Where the archive is.
    let location: BucketLocation
    let client: S3Client
    let retryPolicy: RetryPolicy
    let logger: Logger

    /// An object of the archive as a listing shows it.
    struct Object: Sendable, Equatable {
        /// Its path below the archive root.
        var relativePath: String
        var sizeBytes: Int
        var lastModified: Date?
    }

    /// Every object below the prefix, listed page by page (ListObjectsV2, 1,000 keys a page).
    /// - Throws: `S3Error` once a page failed every try.
    func objects() async throws -> [Object] {
        var objects: [Object] = []
        var token: String?
        repeat {
            let page = try await retrying("listing \(location.uri)") { [token] in
                try await client.listObjectsV2(
                    bucket: location.bucket, prefix: location.prefix, continuationToken: token)
            }
            for object in page.objects {
                guard let relativePath = location.relativePath(ofKey: object.key) else { continue }
                objects.append(
                    Object(relativePath: relativePath, sizeBytes: object.sizeBytes, lastModified: object.lastModified))
            }
            token = page.nextContinuationToken
        } while token != nil
        return objects
    }

    /// Stores the file at `path` as the object at `relativePath` with one PutObject, with its SHA-256 for the
    /// store to verify: `sha256Hex` when the caller has it (computed while the file was downloaded), else read
    /// from the file.
    func put(
        file path: String, at relativePath: String, sha256Hex: String? = nil, contentType: String
    ) async throws -> ObjectInfo {
        try await retrying("storing \(relativePath)") {
            try await client.putObject(
                bucket: location.bucket, key: location.key(for: relativePath), file: path, sha256Hex: sha256Hex,
                contentType: contentType)
        }
    }

    /// The size and SHA-256 of the object at `relativePath`, hashed as it streams (nothing is written), with the
    /// checksum the store kept for it, if any.
    func digest(of relativePath: String) async throws -> ObjectDigest {
        try await retrying("reading \(relativePath)") {
            try await client.objectDigest(bucket: location.bucket, key: location.key(for: relativePath))
        }
    }

    /// What the store says about the object at `relativePath`, or nil when there is none.
    func head(_ relativePath: String) async throws -> ObjectInfo? {
        try await retrying("looking up \(relativePath)") {
            try await client.headObject(bucket: location.bucket, key: location.key(for: relativePath))
        }
    }

    /// Writes the object at `relativePath` to the file at `path`, checked against the store's checksum.
    func get(_ relativePath: String, to path: String) async throws -> ObjectInfo {
        try await retrying("reading \(relativePath)") {
            try await client.getObject(bucket: location.bucket, key: location.key(for: relativePath), to: path)
        }
    }

    /// Deletes the object at `relativePath`; a missing one is no error.
    func delete(_ relativePath: String) async throws {
        try await retrying("deleting \(relativePath)") {
            try await client.deleteObject(bucket: location.bucket, key: location.key(for: relativePath))
        }
    }

    /// Runs `request` until it succeeds, fails with an error that trying again cannot fix, or has been tried
    /// `retryPolicy.attempts` times; each retry is logged with its cause.
    /// - Throws: the last `S3Error`, or `CancellationError`.
    func retrying<T: Sendable>(
        _ what: String,
        _ request: @Sendable () async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await request()
            } catch let error as S3Error {
                guard error.isRetryable, attempt < retryPolicy.attempts, !Task.isCancelled else { throw error }
                let delay = retryPolicy.delay(afterAttempt: attempt)
                logger.info(
                    "retrying a storage request",
                    metadata: [
                        "request": "\(what)", "cause": "\(error.code)", "attempt": "\(attempt)",
                        "delay": "\(delay.secondsText)",
                    ])
                try? await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }
}
