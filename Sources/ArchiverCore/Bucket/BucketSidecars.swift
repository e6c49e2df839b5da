import FoundationEssentials
import Glibc
import ObjectStorage

/// Reads objects of the archive back through the local spool folder: sidecars for their records, recordings for
/// their SHA-256.
struct BucketSidecars: Sendable {
    let store: BucketStore
    /// Where objects are read to; each read's file is removed once read.
    let spoolFolder: String

    /// The sidecar object at `relativePath`, or why it cannot be used.
    func record(at relativePath: String) async -> Result<Sidecar.Record, Sidecar.Unusable> {
        let path = "\(spoolFolder)/read-\(UUID().uuidString).json"
        defer { unlink(path) }
        do {
            _ = try await store.get(relativePath, to: path)
        } catch let error as S3Error where error.httpStatus == 404 {
            return .failure(Sidecar.Unusable(reason: "is missing"))
        } catch {
            return .failure(Sidecar.Unusable(reason: "cannot be read (\(error))"))
        }
        return Sidecar.record(atPath: path)
    }

    /// The SHA-256 (lowercase hex) and size of the object at `relativePath`, read back whole as it streams.
    /// - Throws: `ArchiverError` when it cannot be read.
    func digest(of relativePath: String) async throws(ArchiverError) -> (hex: String, sizeBytes: Int) {
        do {
            let digest = try await store.digest(of: relativePath)
            return (digest.sha256Hex, digest.sizeBytes)
        } catch let error as S3Error {
            throw error.archiverError
        } catch {
            throw .interrupted(archived: 0)
        }
    }
}
