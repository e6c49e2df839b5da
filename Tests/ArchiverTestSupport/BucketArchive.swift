public import ArchiverCore
import Curl
import Foundation
public import GetscreenSimulator
public import ObjectStorage

/// An archive in a bucket of a real SeaweedFS, for the simulator's recordings: the bucket is created empty, and
/// `client` reads it back on a transfer engine of its own.
public struct BucketArchive: Sendable {
    /// The store the bucket is in.
    public let store: SeaweedFS
    /// The bucket's name.
    public let bucket = "recordings"
    /// The archive's prefix in the bucket.
    public let prefix = "getscreen/"
    /// A client for the test's own reads and writes.
    public let client: S3Client
    /// The folder holding the runs' local state (catalog, lock, spool), inside the simulator's workspace.
    public let stateHome: String

    /// The archive's location, as `archive.root` names it.
    public var uri: String { "s3://\(bucket)/\(prefix)" }

    /// The store's endpoint, addressed path-style as SeaweedFS needs.
    public var endpoint: S3Endpoint { S3Endpoint(url: store.endpoint, region: "us-east-1", addressing: .pathStyle) }

    /// The fixture's configuration with the bucket as its archive; `secret` replaces the right secret key, and
    /// `endpoint` the store's (a relay in front of it).
    public func configuration(
        of fixture: SimulatorFixture, transfers: Int = 4, secret: String? = nil, endpoint: String? = nil
    ) throws -> ArchiverConfiguration {
        try fixture.configuration(transfers: transfers).archiving(
            into: BucketLocation(
                bucket: bucket, prefix: prefix,
                endpoint: endpoint.map { S3Endpoint(url: $0, region: "us-east-1", addressing: .pathStyle) }
                    ?? self.endpoint,
                credentials: S3Credentials(
                    accessKeyID: store.accessKeyID, secretAccessKey: secret ?? store.secretAccessKey)),
            stateDirectory: "\(stateHome)/\(StateDirectory.folderName(forArchive: uri))")
    }

    /// Every object below the prefix: its size, by path below the archive root.
    public func objects() async throws -> [String: Int] {
        var sizes: [String: Int] = [:]
        for try await object in client.objects(in: bucket, prefix: prefix) {
            sizes[String(object.key.dropFirst(prefix.count))] = object.sizeBytes
        }
        return sizes
    }

    /// The multipart uploads below the prefix that were neither completed nor aborted: their upload IDs, by path
    /// below the archive root.
    public func unfinishedUploads() async throws -> [String: [String]] {
        var uploads: [String: [String]] = [:]
        var marker: MultipartUploadsPage.Marker?
        repeat {
            let page = try await client.listMultipartUploads(bucket: bucket, prefix: prefix, marker: marker)
            for upload in page.uploads {
                uploads[String(upload.key.dropFirst(prefix.count)), default: []].append(upload.uploadID)
            }
            marker = page.nextMarker
        } while marker != nil
        return uploads
    }

    /// The bytes of the object at `relativePath` below the archive root.
    public func bytes(at relativePath: String, in folder: String) async throws -> [UInt8] {
        let path = "\(folder)/read-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try await client.getObject(bucket: bucket, key: prefix + relativePath, to: path)
        return try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Overwrites the object at `relativePath` with `bytes`, as someone with write access to the bucket could.
    public func overwrite(_ relativePath: String, with bytes: [UInt8], in folder: String) async throws {
        let path = "\(folder)/write-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        _ = try await client.putObject(bucket: bucket, key: prefix + relativePath, file: path)
    }
}

/// Runs `body` with a simulator serving `dataset` and an empty bucket in a SeaweedFS of `topology`; tears both
/// down afterwards.
public func withBucketArchive(
    _ topology: SeaweedFS.Topology = .singleServer,
    dataset: SimulatorDataset,
    faults: SimulatorFaults = SimulatorFaults(),
    _ body: (SimulatorFixture, BucketArchive) async throws -> Void
) async throws {
    try await withSeaweedFS(topology) { store in
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let curl = try CurlMulti()
            let client = S3Client(
                endpoint: S3Endpoint(url: store.endpoint, region: "us-east-1", addressing: .pathStyle),
                credentials: S3Credentials(accessKeyID: store.accessKeyID, secretAccessKey: store.secretAccessKey),
                curl: curl)
            let archive = BucketArchive(
                store: store, client: client, stateHome: try fixture.workspace.subfolder("bucket-state"))
            do {
                try await client.createBucket(archive.bucket)
                try await body(fixture, archive)
            } catch {
                await curl.shutdown()
                throw error
            }
            await curl.shutdown()
        }
    }
}
