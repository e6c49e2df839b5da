import FoundationEssentials
import Glibc
import ObjectStorage

/// The recordings of a bucket for a `Verifier`: sizes from one listing of the prefix (ListObjectsV2), each recording
/// read back and hashed as it streams (nothing is written locally). Reading back, rather than trusting the checksum
/// the store recorded at upload, is what finds an object damaged or replaced since.
struct BucketRecordings: VerifiedRecordings {
    let store: BucketStore
    /// Every object below the prefix, by path below the archive root.
    let objects: [String: BucketStore.Object]

    /// Lists the bucket's prefix once, for the sizes.
    /// - Throws: `ArchiverError` when it cannot be listed.
    static func listed(_ store: BucketStore) async throws(ArchiverError) -> BucketRecordings {
        do {
            let objects = try await store.objects()
            return BucketRecordings(store: store, objects: Dictionary(objects.map { ($0.relativePath, $0) }) { $1 })
        } catch let error as S3Error {
            throw error.archiverError
        } catch {
            throw .interrupted(archived: 0)
        }
    }

    func check(_ entry: CatalogEntry, progress: (Int) -> Void) async -> Verifier.Finding? {
        func problem(_ reason: String) -> VerifyReport.Problem {
            VerifyReport.Problem(sessionID: entry.sessionID, path: entry.relativePath, reason: reason)
        }
        guard let object = objects[entry.relativePath] else { return .missing(problem("no such object")) }
        guard object.sizeBytes == entry.sizeBytes else {
            return .truncated(problem("size \(object.sizeBytes) bytes, expected \(entry.sizeBytes)"))
        }
        let digest: ObjectDigest
        do {
            digest = try await store.digest(of: entry.relativePath)
        } catch let error as S3Error {
            return .missing(problem("cannot be read: \(error)"))
        } catch {
            return .missing(problem("not read: the run was interrupted"))
        }
        progress(digest.sizeBytes)
        guard digest.sizeBytes == entry.sizeBytes else {
            return .truncated(problem("size \(digest.sizeBytes) bytes, expected \(entry.sizeBytes)"))
        }
        guard digest.sha256Hex == entry.sha256 else {
            return .corrupted(problem("SHA-256 \(digest.sha256Hex), expected \(entry.sha256)"))
        }
        return nil
    }

    func uncataloguedFiles(catalogued: Set<String>) -> [VerifyReport.UncataloguedFile] {
        let suffix = ".\(DownloadPlanner.recordingExtension)"
        return objects.keys.filter { $0.hasSuffix(suffix) && !catalogued.contains($0) }.sorted().map { path in
            let sidecar = "\(path.dropLast(suffix.count)).\(DownloadPlanner.sidecarExtension)"
            return VerifyReport.UncataloguedFile(path: path, hasSidecar: objects[sidecar] != nil)
        }
    }
}
