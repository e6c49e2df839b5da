import Crypto
public import Curl
import Glibc

/// Talks to an S3-compatible object store (AWS S3, MinIO, SeaweedFS, Ceph RGW, Backblaze B2, Wasabi) through
/// the process's `CurlMulti`, so its transfers share the downloads' driver threads and connection caches.
///
/// Requests are signed by libcurl itself (`CURLOPT_AWS_SIGV4`). Each request carries its payload's real SHA-256 in
/// `x-amz-content-sha256`, which is the hash libcurl signs, and each upload also carries
/// `x-amz-checksum-sha256`, which the store verifies before it keeps the bytes (`BadDigest` otherwise; SeaweedFS
/// ignores a wrong `x-amz-content-sha256`). File bodies stream from the file, so memory stays flat.
public final class S3Client: Sendable {
    /// Where the store answers.
    public let endpoint: S3Endpoint
    private let credentials: S3Credentials
    private let curl: CurlMulti
    private let userAgent: String
    private let connectTimeout: Duration
    private let stallTimeout: Duration

    /// The largest XML answer kept in memory: a ListObjectsV2 page of 1,000 long keys stays well below.
    static let answerLimit = 4 << 20
    /// The SHA-256 of no bytes, the payload hash of a request without a body.
    private static let emptyPayloadHash = SHA256.hash(data: [UInt8]()).hexString

    /// Creates a client.
    /// - Parameters:
    ///   - endpoint: the store's URL, region and addressing style.
    ///   - credentials: the key pair requests are signed with.
    ///   - curl: the transfer engine; the caller shuts it down after the last request.
    ///   - userAgent: the `User-Agent` header.
    ///   - connectTimeout: how long connecting to the store may take.
    ///   - stallTimeout: a request fails when no byte moves for this long (1 s granularity), whether the store
    ///     is slow to answer or a transfer stalls; no request has a total time limit, as uploads may be large.
    public init(
        endpoint: S3Endpoint, credentials: S3Credentials, curl: CurlMulti, userAgent: String = "getscreen-archiver",
        connectTimeout: Duration = .seconds(30), stallTimeout: Duration = .seconds(60)
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.curl = curl
        self.userAgent = userAgent
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
    }

    /// Creates a bucket (CreateBucket), with the endpoint's region as its location outside `us-east-1`.
    /// - Throws: `S3Error`, such as `BucketAlreadyOwnedByYou` or `InvalidBucketName`.
    public func createBucket(_ bucket: String) async throws {
        var call = Call(operation: "CreateBucket", method: .put, bucket: bucket)
        if endpoint.region != "us-east-1" {
            let location = XMLElement(
                "CreateBucketConfiguration", children: [XMLElement("LocationConstraint", text: endpoint.region)])
            call.body = .xml(location.document(namespace: Self.namespace))
        }
        _ = try await perform(call)
    }

    /// Stores the file at `path` under `key` with one PutObject request (up to 5 GiB; larger objects need a
    /// multipart upload), with its SHA-256 for the store to verify.
    /// - Parameters:
    ///   - sha256Hex: the SHA-256 of the whole file as hex digits, when the caller has it (hashed while the file
    ///     was written); the file is then read only to send it. Nil to hash the file first. Must be 64 hex
    ///     digits: anything else is a programming error and stops the process.
    ///   - contentType: the object's `Content-Type`, such as `video/mp4`; the store's default if nil.
    /// - Returns: the stored object's size, entity tag and SHA-256 checksum.
    /// - Throws: `S3Error`: `BadDigest` when the bytes the store received differ from `sha256Hex` or the file's
    ///   own hash; the store then keeps nothing under `key`.
    public func putObject(
        bucket: String, key: String, file path: String, sha256Hex: String? = nil, contentType: String? = nil
    ) async throws -> ObjectInfo {
        var call = Call(operation: "PutObject", method: .put, bucket: bucket, key: key)
        let file = try openFile(path, flags: O_RDONLY, for: call)
        defer { close(file.descriptor) }
        if let sha256Hex {
            guard let digest = [UInt8](hex: sha256Hex), digest.count == SHA256.Digest.byteCount else {
                preconditionFailure("putObject: sha256Hex is not a SHA-256 in hex (64 hex digits)")
            }
            call.body = .file(descriptor: file.descriptor, offset: 0, length: file.size, sha256: digest)
        } else {
            call.body = try fileBody(file.descriptor, offset: 0, length: file.size, path: path, for: call)
        }
        if let contentType { call.headers.append("Content-Type: \(contentType)") }
        let response = try await perform(call)
        var info = ObjectInfo(headers: response.headers, sizeBytes: file.size)
        if case .file(_, _, _, let digest) = call.body {
            info.checksumSHA256 = info.checksumSHA256 ?? digest.base64String
        }
        return info
    }

    /// Writes the object under `key` to a file at `path` (created, or truncated), and checks the bytes against
    /// the SHA-256 checksum the store keeps for the object, when it keeps a whole-object one.
    ///
    /// On failure the file is removed.
    /// - Returns: the object's size, entity tag and stored checksum.
    /// - Throws: `S3Error`: `NoSuchKey`, or `checksumMismatch` when the bytes differ from the stored checksum.
    public func getObject(bucket: String, key: String, to path: String) async throws -> ObjectInfo {
        var call = Call(operation: "GetObject", method: .get, bucket: bucket, key: key)
        let file = try openFile(path, flags: O_WRONLY | O_CREAT | O_TRUNC, for: call)
        defer { close(file.descriptor) }
        do {
            let digest = BodyDigest()
            call.headers.append("x-amz-checksum-mode: ENABLED")
            call.destination = .file(descriptor: file.descriptor, observer: digest)
            let response = try await perform(call)
            let info = ObjectInfo(headers: response.headers, sizeBytes: response.bytesWritten)
            // A multipart object's checksum (`BASE64-N`) covers its parts' checksums, not its bytes.
            if let stored = info.checksumSHA256, !stored.contains("-") {
                let received = digest.finalize().base64String
                guard received == stored else {
                    throw failure(.checksumMismatch(stored: stored, received: received), for: call)
                }
            }
            return info
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Reads the object under `key` (GetObject) and hashes its bytes with SHA-256 as they arrive, without
    /// keeping them (memory stays flat whatever the size), to check what the store holds.
    ///
    /// Asks for the store's own checksum (`x-amz-checksum-mode: ENABLED`) and returns it beside the hash
    /// without comparing them: the caller decides what a difference means.
    /// - Returns: the size and SHA-256 of the bytes the store sent, and the checksum it keeps.
    /// - Throws: `S3Error`: `NoSuchKey`, or a transport failure when the transfer stalls or breaks.
    public func objectDigest(bucket: String, key: String) async throws -> ObjectDigest {
        var call = Call(operation: "GetObject", method: .get, bucket: bucket, key: key)
        let digest = BodyDigest()
        call.headers.append("x-amz-checksum-mode: ENABLED")
        call.destination = .stream(to: digest)
        let response = try await perform(call)
        return ObjectDigest(
            sizeBytes: response.bytesWritten, sha256Hex: digest.finalize().hexString,
            storedChecksumSHA256: response.headers["x-amz-checksum-sha256"])
    }

    /// What the store says about the object under `key` (HeadObject), or nil when there is none; its
    /// `checksumSHA256` is set when the store keeps one (asked for with `x-amz-checksum-mode: ENABLED`).
    ///
    /// A HEAD answer has no body, so a missing bucket also reads as nil, and a refusal as `Forbidden`.
    /// - Throws: `S3Error` for every answer but 2xx and 404.
    public func headObject(bucket: String, key: String) async throws -> ObjectInfo? {
        var call = Call(operation: "HeadObject", method: .head, bucket: bucket, key: key)
        call.headers.append("x-amz-checksum-mode: ENABLED")
        do {
            return ObjectInfo(headers: try await perform(call).headers)
        } catch let error as S3Error where error.httpStatus == 404 {
            return nil
        }
    }

    /// Deletes the object under `key` (DeleteObject); deleting a missing key succeeds, as in S3.
    /// - Throws: `S3Error`.
    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await perform(Call(operation: "DeleteObject", method: .delete, bucket: bucket, key: key))
    }

    /// One page of the objects whose key starts with `prefix` (ListObjectsV2).
    /// - Parameters:
    ///   - maxKeys: the most objects on the page (the store may return fewer; S3 caps it at 1,000).
    ///   - continuationToken: the previous page's `nextContinuationToken`, nil for the first page.
    /// - Throws: `S3Error`.
    public func listObjectsV2(
        bucket: String, prefix: String = "", maxKeys: Int = 1000, continuationToken: String? = nil
    ) async throws -> ObjectListingPage {
        var call = Call(operation: "ListObjectsV2", method: .get, bucket: bucket)
        call.query = [("list-type", "2"), ("max-keys", String(maxKeys)), ("prefix", prefix)]
        if let continuationToken { call.query.append(("continuation-token", continuationToken)) }
        let answer = try document(try await perform(call), for: call)
        guard let page = ObjectListingPage(answer) else { throw unexpected(answer, for: call) }
        return page
    }

    /// Every object whose key starts with `prefix`, listed `pageSize` at a time as the sequence is iterated.
    public func objects(in bucket: String, prefix: String = "", pageSize: Int = 1000) -> ObjectListing {
        ObjectListing(client: self, bucket: bucket, prefix: prefix, pageSize: pageSize)
    }

    // MARK: Requests

    /// S3's XML namespace, declared on request documents.
    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    /// One S3 request before it becomes a `TransferRequest`.
    struct Call {
        /// What the request sends.
        enum Body {
            case none
            case xml([UInt8])
            /// A file range and the SHA-256 of its bytes.
            case file(descriptor: Int32, offset: Int, length: Int, sha256: [UInt8])
        }

        var operation: String
        var method: TransferRequest.Method
        var bucket: String
        var key: String? = nil
        var query: [(name: String, value: String)] = []
        var headers: [String] = []
        var body = Body.none
        var destination = TransferRequest.Destination.memory(limit: S3Client.answerLimit)
    }

    /// Sends `call` and returns its 2xx answer.
    /// - Throws: `S3Error` for a non-2xx answer or a failed transfer; `CancellationError`.
    func perform(_ call: Call) async throws -> TransferResponse {
        var request = TransferRequest(
            url: endpoint.requestURL(bucket: call.bucket, key: call.key, query: call.query),
            headers: call.headers,
            destination: call.destination,
            connectTimeout: connectTimeout,
            lowSpeedLimit: (bytesPerSecond: 1, duration: stallTimeout),
            userAgent: userAgent
        )
        request.method = call.method
        request.signature = TransferRequest.AWSSignature(
            provider: "aws:amz:\(endpoint.region):s3", accessKeyID: credentials.accessKeyID,
            secretAccessKey: credentials.secretAccessKey)
        // libcurl 7.88 signs the value of this header as the payload hash; AWS requires the header on every
        // request. Without it libcurl would sign the hash of the `.bytes` body (or of nothing, for a file body)
        // while SeaweedFS checks a POST body against the hash of nothing: SignatureDoesNotMatch.
        switch call.body {
        case .none:
            request.headers.append("x-amz-content-sha256: \(Self.emptyPayloadHash)")
            // Content-Length: 0 rather than none on a PUT or POST without a body.
            if call.method == .put || call.method == .post { request.body = .bytes([]) }
        case .xml(let bytes):
            request.headers += [
                "x-amz-content-sha256: \(SHA256.hash(data: bytes).hexString)", "Content-Type: application/xml",
            ]
            request.body = .bytes(bytes)
        case .file(let descriptor, let offset, let length, let digest):
            request.headers += [
                "x-amz-content-sha256: \(digest.hexString)", "x-amz-checksum-sha256: \(digest.base64String)",
            ]
            request.body = .file(descriptor: descriptor, offset: offset, length: length)
        }
        let response: TransferResponse
        do {
            response = try await curl.perform(request)
        } catch let error as CurlError {
            throw failure(.transport(error), for: call)
        }
        guard response.isSuccess else { throw serviceFailure(response, for: call) }
        return response
    }

    /// The XML document of a 2xx answer; an `Error` document (CompleteMultipartUpload's failure inside a 200)
    /// becomes its `S3Error`.
    func document(_ response: TransferResponse, for call: Call) throws(S3Error) -> XMLElement {
        guard let root = XMLElement.parse(response.body) else {
            throw failure(
                .unexpectedAnswer(httpStatus: response.statusCode, detail: "the answer is not well-formed XML"),
                for: call)
        }
        if root.name == "Error" { throw serviceFailure(response, for: call) }
        return root
    }

    /// The error for an answer whose document lacks what `call`'s answer must have.
    func unexpected(_ answer: XMLElement, for call: Call) -> S3Error {
        failure(
            .unexpectedAnswer(httpStatus: 200, detail: "a \(answer.name) document without its required fields"),
            for: call)
    }

    /// The error for a non-2xx answer, or a 2xx answer carrying an `Error` document.
    private func serviceFailure(_ response: TransferResponse, for call: Call) -> S3Error {
        let status = response.statusCode
        let requestID = response.headers["x-amz-request-id"]
        if let root = XMLElement.parse(response.body), root.name == "Error", let code = root.text(of: "Code") {
            return failure(
                .service(code: code, httpStatus: status), for: call, serverMessage: root.text(of: "Message"),
                requestID: root.text(of: "RequestId") ?? requestID)
        }
        guard response.body.isEmpty else {
            return failure(
                .unexpectedAnswer(httpStatus: status, detail: "the body is not an S3 error document"), for: call,
                requestID: requestID)
        }
        let code =
            switch status {
            case 400: "BadRequest"
            case 403: "Forbidden"
            case 404: "NotFound"
            default: "HTTP\(status)"
            }
        return failure(.service(code: code, httpStatus: status), for: call, requestID: requestID)
    }

    /// An `S3Error` about `call`.
    func failure(
        _ kind: S3Error.Kind, for call: Call, serverMessage: String? = nil, requestID: String? = nil
    ) -> S3Error {
        S3Error(
            kind, operation: call.operation, bucket: call.bucket, key: call.key, endpoint: endpoint.url,
            accessKeyID: credentials.accessKeyID, serverMessage: serverMessage, requestID: requestID)
    }

    // MARK: Files

    /// Opens `path` with `flags` (plus close-on-exec; mode 0644 for a new file) and reads its size.
    func openFile(_ path: String, flags: Int32, for call: Call) throws(S3Error) -> (descriptor: Int32, size: Int) {
        let descriptor = open(path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(.localFile(path: path, errno: errno), for: call) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = errno
            close(descriptor)
            throw failure(.localFile(path: path, errno: error), for: call)
        }
        return (descriptor, Int(status.st_size))
    }

    /// A file body for `call`: the range and its SHA-256, read now because the headers carry it.
    func fileBody(_ descriptor: Int32, offset: Int, length: Int, path: String, for call: Call) throws(S3Error)
        -> Call.Body
    {
        do {
            let digest = try FileRangeDigest.sha256(descriptor: descriptor, offset: offset, length: length)
            return .file(descriptor: descriptor, offset: offset, length: length, sha256: Array(digest))
        } catch {
            throw failure(.localFile(path: path, errno: error.errno), for: call)
        }
    }
}
