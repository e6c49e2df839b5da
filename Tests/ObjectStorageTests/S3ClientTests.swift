import ArchiverTestSupport
import Crypto
import Curl
import Foundation
import Testing

@testable import ObjectStorage

/// The S3 client against a real SeaweedFS on loopback (a fresh store per test; they run in parallel).
@Suite(.enabled(if: SeaweedFS.isAvailable, "\(SeaweedFS.unavailableReason ?? "")"))
struct S3ClientTests {
    /// A key with a space, a plus, a non-ASCII letter and folders: every byte SigV4 encodes.
    static let awkwardKey = "recordings/PC 1/2026-12-06 übung+1.mp4"

    @Test func putGetHeadAndDeleteKeepTheBytesAndTheirChecksum() async throws {
        try await withStore { client, bucket, folder in
            let bytes = randomBytes(300_000)
            let source = try write(bytes, in: folder, as: "source")
            let digest = Data(SHA256.hash(data: bytes)).base64EncodedString()

            let put = try await client.putObject(
                bucket: bucket, key: Self.awkwardKey, file: source, contentType: "video/mp4")
            #expect(put.sizeBytes == bytes.count)
            #expect(put.checksumSHA256 == digest)
            #expect(put.etag == Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined())

            let head = try #require(try await client.headObject(bucket: bucket, key: Self.awkwardKey))
            #expect(head == ObjectInfo(sizeBytes: bytes.count, etag: put.etag, checksumSHA256: digest))

            let copy = "\(folder)/copy"
            let got = try await client.getObject(bucket: bucket, key: Self.awkwardKey, to: copy)
            #expect(got == head)
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: copy))) == bytes)

            try await client.deleteObject(bucket: bucket, key: Self.awkwardKey)
            #expect(try await client.headObject(bucket: bucket, key: Self.awkwardKey) == nil)
            let missing = await #expect(throws: S3Error.self) {
                try await client.getObject(bucket: bucket, key: Self.awkwardKey, to: copy)
            }
            #expect(missing?.code == "NoSuchKey")
            #expect(!FileManager.default.fileExists(atPath: copy), "a failed GetObject leaves no file")
        }
    }

    /// The store verifies `x-amz-checksum-sha256` (what the client sends) and `Content-MD5`, and keeps nothing
    /// when either differs from the bytes.
    @Test func theStoreRefusesBytesThatDoNotMatchTheirChecksum() async throws {
        try await withStore { client, bucket, folder in
            let source = try write(randomBytes(100_000), in: folder, as: "source")
            let descriptor = open(source, O_RDONLY)
            defer { close(descriptor) }
            let wrongDigest = SHA256.hash(data: randomBytes(100_000))
            var call = S3Client.Call(operation: "PutObject", method: .put, bucket: bucket, key: "damaged")
            call.body = .file(descriptor: descriptor, offset: 0, length: 100_000, sha256: Array(wrongDigest))

            let refusal = await #expect(throws: S3Error.self) { try await client.perform(call) }
            #expect(refusal?.code == "BadDigest")
            #expect(refusal?.httpStatus == 400)
            #expect(refusal?.isRetryable == true)
            #expect(refusal?.description.contains("do not match the checksum") == true)
            #expect(try await client.headObject(bucket: bucket, key: "damaged") == nil)

            let rightDigest = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: source)))
            call.body = .file(descriptor: descriptor, offset: 0, length: 100_000, sha256: Array(rightDigest))
            call.headers = ["Content-MD5: \(Data(Insecure.MD5.hash(data: [UInt8]())).base64EncodedString())"]
            let md5Refusal = await #expect(throws: S3Error.self) { try await client.perform(call) }
            #expect(md5Refusal?.code == "BadDigest")
            #expect(try await client.headObject(bucket: bucket, key: "damaged") == nil)
        }
    }

    /// The caller's SHA-256 goes out as both headers without the file being hashed again: the right one stores
    /// the object, a wrong one is refused and leaves nothing under the key.
    @Test func aPutWithTheCallersHashStoresAndAWrongHashIsRefused() async throws {
        try await withStore { client, bucket, folder in
            let bytes = randomBytes(200_000)
            let source = try write(bytes, in: folder, as: "source")
            let digest = SHA256.hash(data: bytes)
            let hex = digest.map { String(format: "%02x", $0) }.joined()

            let put = try await client.putObject(bucket: bucket, key: "given", file: source, sha256Hex: hex)
            #expect(put.checksumSHA256 == Data(digest).base64EncodedString())
            #expect(try await client.headObject(bucket: bucket, key: "given")?.sizeBytes == bytes.count)

            let otherHex = SHA256.hash(data: randomBytes(16)).map { String(format: "%02x", $0) }.joined()
            let refusal = await #expect(throws: S3Error.self) {
                try await client.putObject(
                    bucket: bucket, key: "wrong", file: source, sha256Hex: otherHex, contentType: "video/mp4")
            }
            #expect(refusal?.code == "BadDigest")
            #expect(refusal?.isRetryable == true)
            #expect(try await client.headObject(bucket: bucket, key: "wrong") == nil)
        }
    }

    /// A 20 MiB object hashed as it streams in: size, hash and the store's checksum (also what HeadObject
    /// returns for a single-request upload) agree with the local file.
    @Test func anObjectDigestHashesTheBytesAsTheyArrive() async throws {
        try await withStore { client, bucket, folder in
            let bytes = randomBytes(20 << 20)
            let source = try write(bytes, in: folder, as: "source")
            let digest = SHA256.hash(data: bytes)
            _ = try await client.putObject(bucket: bucket, key: Self.awkwardKey, file: source)

            let head = try #require(try await client.headObject(bucket: bucket, key: Self.awkwardKey))
            #expect(head.checksumSHA256 == Data(digest).base64EncodedString())
            let read = try await client.objectDigest(bucket: bucket, key: Self.awkwardKey)
            #expect(
                read
                    == ObjectDigest(
                        sizeBytes: bytes.count, sha256Hex: digest.map { String(format: "%02x", $0) }.joined(),
                        storedChecksumSHA256: Data(digest).base64EncodedString()))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["source"], "no file written")

            let missing = await #expect(throws: S3Error.self) {
                try await client.objectDigest(bucket: bucket, key: "missing")
            }
            #expect(missing?.code == "NoSuchKey")
        }
    }

    /// Signed for another region than us-east-1 (SeaweedFS takes the region the request is signed for), the
    /// bucket is created with that location and objects go in and out.
    @Test func requestsSignedForAnotherRegionSucceed() async throws {
        try await withSeaweedFS { store in
            let folder = try TemporaryDirectory(prefix: "s3-client")
            defer { folder.remove() }
            let source = try write(randomBytes(1000), in: folder.path, as: "source")
            let curl = try CurlMulti()
            let client = S3Client(
                endpoint: S3Endpoint(url: store.endpoint, region: "eu-central-1", addressing: .pathStyle),
                credentials: credentials(of: store), curl: curl)
            do {
                try await client.createBucket("frankfurt")
                _ = try await client.putObject(bucket: "frankfurt", key: Self.awkwardKey, file: source)
                #expect(try await client.headObject(bucket: "frankfurt", key: Self.awkwardKey)?.sizeBytes == 1000)
                #expect(try await client.listObjectsV2(bucket: "frankfurt").objects.map(\.key) == [Self.awkwardKey])
            } catch {
                await curl.shutdown()
                throw error
            }
            await curl.shutdown()
        }
    }

    /// Bytes damaged between the store and the client (a relay flips one bit of the body): GetObject finds
    /// them unlike the stored checksum and leaves no file; objectDigest reports both values without throwing.
    @Test func bytesDamagedOnTheWayAreAChecksumMismatch() async throws {
        try await withSeaweedFS { store in
            let folder = try TemporaryDirectory(prefix: "s3-client")
            defer { folder.remove() }
            let bytes = randomBytes(300_000)
            let source = try write(bytes, in: folder.path, as: "source")
            let stored = Data(SHA256.hash(data: bytes)).base64EncodedString()
            let relay = try LoopbackRelay(upstream: store.endpoint, fault: .flipBit(bodyOffset: 150_000))
            defer { relay.stop() }
            let relayed = S3Endpoint(url: relay.endpoint, region: "us-east-1", addressing: .pathStyle)

            let curl = try CurlMulti()
            let client = S3Client(endpoint: endpoint(of: store), credentials: credentials(of: store), curl: curl)
            let damaged = S3Client(endpoint: relayed, credentials: credentials(of: store), curl: curl)
            let copy = "\(folder.path)/copy"
            let mismatch: S3Error?
            do {
                try await client.createBucket("archive")
                _ = try await client.putObject(bucket: "archive", key: "clip.mp4", file: source)
                mismatch = await #expect(throws: S3Error.self) {
                    try await damaged.getObject(bucket: "archive", key: "clip.mp4", to: copy)
                }
            } catch {
                await curl.shutdown()
                throw error
            }
            // The relay damages each connection's first response: the next request comes on a new connection.
            await curl.shutdown()
            guard case .checksumMismatch(let kept, let received) = mismatch?.kind else {
                Issue.record("not a checksum mismatch: \(String(describing: mismatch))")
                return
            }
            #expect(kept == stored && received != stored)
            #expect(mismatch?.isRetryable == true)
            #expect(!FileManager.default.fileExists(atPath: copy), "a damaged GetObject leaves no file")

            let digestCurl = try CurlMulti()
            let digestClient = S3Client(endpoint: relayed, credentials: credentials(of: store), curl: digestCurl)
            let digest: ObjectDigest
            do {
                digest = try await digestClient.objectDigest(bucket: "archive", key: "clip.mp4")
            } catch {
                await digestCurl.shutdown()
                throw error
            }
            await digestCurl.shutdown()
            #expect(digest.sizeBytes == bytes.count)
            #expect(digest.storedChecksumSHA256 == stored)
            #expect(digest.sha256Hex != SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        }
    }

    /// A file that ends before the announced length fails the request in the read callback, and nothing is stored.
    @Test func anUploadWhoseFileEndsEarlyFailsWithoutStoringAnything() async throws {
        try await withStore { client, bucket, folder in
            let source = try write(randomBytes(1000), in: folder, as: "source")
            let descriptor = open(source, O_RDONLY)
            defer { close(descriptor) }
            var call = S3Client.Call(operation: "PutObject", method: .put, bucket: bucket, key: "short")
            call.body = .file(
                descriptor: descriptor, offset: 0, length: 5000, sha256: Array(SHA256.hash(data: [UInt8]())))

            let failure = await #expect(throws: S3Error.self) { try await client.perform(call) }
            guard case .transport(let curlError) = failure?.kind else {
                Issue.record("not a transport failure: \(String(describing: failure))")
                return
            }
            #expect(curlError.message.contains("the file ended before the announced length"))
            #expect(try await client.headObject(bucket: bucket, key: "short") == nil)
        }
    }

    @Test func listingPagesWithTheContinuationToken() async throws {
        try await withStore { client, bucket, folder in
            let source = try write(randomBytes(10), in: folder, as: "source")
            let keys = (1...7).map { "day/\($0)-rec.mp4" }
            for key in keys + ["other/x.mp4"] { _ = try await client.putObject(bucket: bucket, key: key, file: source) }

            var pages: [[String]] = []
            var token: String?
            repeat {
                let page = try await client.listObjectsV2(
                    bucket: bucket, prefix: "day/", maxKeys: 3, continuationToken: token)
                pages.append(page.objects.map(\.key))
                #expect(page.objects.allSatisfy { $0.sizeBytes == 10 && $0.lastModified != nil })
                token = page.nextContinuationToken
            } while token != nil && pages.count < 10
            #expect(pages.map(\.count) == [3, 3, 1])
            #expect(pages.flatMap { $0 } == keys.sorted())

            var listed: [String] = []
            for try await object in client.objects(in: bucket, prefix: "day/", pageSize: 2) {
                listed.append(object.key)
            }
            #expect(listed == keys.sorted())
        }
    }

    /// Parts sent concurrently from one file, completed out of order: one object with every byte in place.
    @Test func aMultipartUploadOfConcurrentPartsCompletes() async throws {
        try await withStore { client, bucket, folder in
            let partSize = 5 << 20
            let bytes = randomBytes(2 * partSize + 1_000_000)
            let source = try write(bytes, in: folder, as: "source")
            let uploadID = try await client.createMultipartUpload(
                bucket: bucket, key: "big.mp4", contentType: "video/mp4")

            let parts = try await withThrowingTaskGroup(of: UploadedPart.self) { group in
                for (index, offset) in stride(from: 0, to: bytes.count, by: partSize).enumerated() {
                    group.addTask {
                        try await client.uploadPart(
                            bucket: bucket, key: "big.mp4", uploadID: uploadID, partNumber: index + 1, file: source,
                            offset: offset, length: min(partSize, bytes.count - offset))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(parts.count == 3)
            let completed = try await client.completeMultipartUpload(
                bucket: bucket, key: "big.mp4", uploadID: uploadID, parts: parts.shuffled())
            #expect(completed.etag.hasSuffix("-3"))
            #expect(completed.sizeBytes == bytes.count)

            let head = try #require(try await client.headObject(bucket: bucket, key: "big.mp4"))
            #expect(head.sizeBytes == bytes.count)
            let copy = "\(folder)/copy"
            _ = try await client.getObject(bucket: bucket, key: "big.mp4", to: copy)
            #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data(bytes))
            #expect(try await client.listMultipartUploads(bucket: bucket).uploads.isEmpty)
        }
    }

    /// What a killed run leaves behind is found page by page, and an aborted upload takes no more parts.
    @Test func leftUploadsAreListedPageByPageAndAborted() async throws {
        try await withStore { client, bucket, folder in
            let source = try write(randomBytes(1000), in: folder, as: "source")
            var started: [String: String] = [:]
            for key in ["run/e.mp4", "run/a.mp4", "run/c.mp4", "run/a.mp4", "run/b.mp4"] {
                started[try await client.createMultipartUpload(bucket: bucket, key: key)] = key
            }
            _ = try await client.createMultipartUpload(bucket: bucket, key: "elsewhere/x.mp4")
            let (firstID, firstKey) = try #require(started.first)
            _ = try await client.uploadPart(
                bucket: bucket, key: firstKey, uploadID: firstID, partNumber: 1, file: source, offset: 0, length: 1000)

            var listed: [MultipartUpload] = []
            var marker: MultipartUploadsPage.Marker?
            var pages = 0
            repeat {
                let page = try await client.listMultipartUploads(
                    bucket: bucket, prefix: "run/", maxUploads: 2, marker: marker)
                listed += page.uploads
                marker = page.nextMarker
                pages += 1
            } while marker != nil && pages < 10
            #expect(pages == 3)
            #expect(listed.count == 5)
            #expect(Dictionary(listed.map { ($0.uploadID, $0.key) }, uniquingKeysWith: { $1 }) == started)
            #expect(listed.allSatisfy { $0.initiated.map { abs($0.timeIntervalSinceNow) < 600 } == true })

            try await client.abortMultipartUpload(bucket: bucket, key: firstKey, uploadID: firstID)
            let after = try await client.listMultipartUploads(bucket: bucket, prefix: "run/")
            #expect(Set(after.uploads.map(\.uploadID)) == Set(started.keys).subtracting([firstID]))
            let late = await #expect(throws: S3Error.self) {
                try await client.uploadPart(
                    bucket: bucket, key: firstKey, uploadID: firstID, partNumber: 2, file: source, offset: 0,
                    length: 1000)
            }
            #expect(late?.code == "NoSuchUpload")
            for upload in after.uploads {
                try await client.abortMultipartUpload(bucket: bucket, key: upload.key, uploadID: upload.uploadID)
            }
            #expect(try await client.listMultipartUploads(bucket: bucket, prefix: "run/").uploads.isEmpty)
            #expect(try await client.headObject(bucket: bucket, key: firstKey) == nil)
        }
    }

    @Test func aWrongSecretIsSignatureDoesNotMatchAndNeverShown() async throws {
        try await withSeaweedFS { store in
            let folder = try TemporaryDirectory(prefix: "s3-client")
            defer { folder.remove() }
            let source = try write(randomBytes(1000), in: folder.path, as: "source")
            let wrongSecret = "wrong-" + store.secretAccessKey
            let credentials = S3Credentials(accessKeyID: store.accessKeyID, secretAccessKey: wrongSecret)
            let curl = try CurlMulti()
            let client = S3Client(endpoint: endpoint(of: store), credentials: credentials, curl: curl)

            let refusal = await #expect(throws: S3Error.self) {
                try await client.putObject(bucket: "anything", key: "k", file: source)
            }
            await curl.shutdown()
            let error = try #require(refusal)
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.httpStatus == 403)
            #expect(!error.isRetryable)
            #expect(error.description.contains("check the secret key"))
            #expect(error.description.contains(store.accessKeyID))
            var dumped = ""
            dump(credentials, to: &dumped)
            for text in [
                error.description, String(reflecting: error), "\(credentials)", String(reflecting: credentials), dumped,
            ] {
                #expect(!text.contains(wrongSecret) && !text.contains(store.secretAccessKey), "\(text)")
            }
        }
    }

    @Test func anUnknownBucketIsNoSuchBucket() async throws {
        try await withStore { client, _, folder in
            let source = try write(randomBytes(10), in: folder, as: "source")
            let put = await #expect(throws: S3Error.self) {
                try await client.putObject(bucket: "no-such-bucket", key: "k", file: source)
            }
            #expect(put?.code == "NoSuchBucket")
            #expect(put?.httpStatus == 404)
            #expect(put?.description.contains("bucket no-such-bucket does not exist") == true)
            let list = await #expect(throws: S3Error.self) { try await client.listObjectsV2(bucket: "no-such-bucket") }
            #expect(list?.code == "NoSuchBucket")
        }
    }

    /// Two volume servers, every object on both: with one of them gone, reads go on, writes fail with a
    /// retryable 500 (SeaweedFS 4.48 gives up after 30 s), and succeed again once it is back.
    @Test(.timeLimit(.minutes(2))) func aClusterWithAVolumeServerDownRefusesWritesUntilItIsBack() async throws {
        try await withSeaweedFS(.cluster) { store in
            let folder = try TemporaryDirectory(prefix: "s3-client")
            defer { folder.remove() }
            let bytes = randomBytes(200_000)
            let source = try write(bytes, in: folder.path, as: "source")
            let curl = try CurlMulti()
            let client = S3Client(endpoint: endpoint(of: store), credentials: credentials(of: store), curl: curl)
            do {
                try await client.createBucket("cluster")
                _ = try await client.putObject(bucket: "cluster", key: "before", file: source)

                store.stopVolumeServer()
                _ = try await client.getObject(bucket: "cluster", key: "before", to: "\(folder.path)/read")
                #expect(try Data(contentsOf: URL(fileURLWithPath: "\(folder.path)/read")) == Data(bytes))
                let refusal = await #expect(throws: S3Error.self) {
                    try await client.putObject(bucket: "cluster", key: "during", file: source)
                }
                #expect(refusal?.isRetryable == true, "\(String(describing: refusal))")
                #expect(try await client.headObject(bucket: "cluster", key: "during") == nil)

                try store.startVolumeServer()
                try await store.waitForVolumeServers(2)
                // The master may make the volumes writable again a moment after it sees the server.
                let deadline = ContinuousClock.now + .seconds(30)
                var stored = false
                while !stored {
                    do {
                        _ = try await client.putObject(bucket: "cluster", key: "after", file: source)
                        stored = true
                    } catch let error as S3Error where error.isRetryable && ContinuousClock.now < deadline {
                        continue
                    }
                }
                #expect(try await client.headObject(bucket: "cluster", key: "after")?.sizeBytes == bytes.count)
            } catch {
                await curl.shutdown()
                throw error
            }
            await curl.shutdown()
        }
    }

    // MARK: Helpers

    /// Runs `body` with a client of a fresh single-server store, a fresh bucket on it and a temporary folder.
    private func withStore(_ body: (S3Client, String, String) async throws -> Void) async throws {
        try await withSeaweedFS { store in
            let folder = try TemporaryDirectory(prefix: "s3-client")
            defer { folder.remove() }
            let curl = try CurlMulti()
            let client = S3Client(endpoint: endpoint(of: store), credentials: credentials(of: store), curl: curl)
            do {
                try await client.createBucket("archive")
                try await body(client, "archive", folder.path)
            } catch {
                await curl.shutdown()
                throw error
            }
            await curl.shutdown()
        }
    }

    private func endpoint(of store: SeaweedFS) -> S3Endpoint {
        S3Endpoint(url: store.endpoint, region: "us-east-1", addressing: .pathStyle)
    }

    private func credentials(of store: SeaweedFS) -> S3Credentials {
        S3Credentials(accessKeyID: store.accessKeyID, secretAccessKey: store.secretAccessKey)
    }
}

/// `count` random bytes (from /dev/urandom: a byte at a time is slow in a debug build).
func randomBytes(_ count: Int) -> [UInt8] {
    let urandom = FileHandle(forReadingAtPath: "/dev/urandom")!
    defer { try? urandom.close() }
    return Array(urandom.readData(ofLength: count))
}

/// Writes `bytes` to a new file `name` in `folder` and returns its path.
func write(_ bytes: [UInt8], in folder: String, as name: String) throws -> String {
    let path = "\(folder)/\(name)"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}
