import Glibc
import Synchronization

/// Keeps downloads from filling the archive's file system: before each transfer, the free space must cover
/// the bytes still to come for every transfer in flight plus `archive.min_free`.
///
/// Reservations count a transfer's remaining bytes until it ends, although it consumes free space as it
/// writes, so the check errs on the side of stopping early.
final class StorageGuard: Sendable {
    private let path: String
    private let minimumFreeBytes: Int
    private let reservedBytes = Mutex(0)

    init(path: String, minimumFreeBytes: Int) {
        self.path = path
        self.minimumFreeBytes = minimumFreeBytes
    }

    /// Reserves `bytes` for a transfer about to start.
    /// - Throws: `ArchiverError.insufficientSpace` when the file system cannot take them.
    func reserve(_ bytes: Int) throws(ArchiverError) {
        let available = try Self.availableBytes(at: path)
        let shortfall = reservedBytes.withLock { reserved -> Int? in
            let needed = reserved + bytes + minimumFreeBytes
            guard available >= needed else { return needed }
            reserved += bytes
            return nil
        }
        if let needed = shortfall {
            throw .insufficientSpace(path: path, neededBytes: needed, availableBytes: available)
        }
    }

    /// Gives back a reservation when its transfer ended.
    func release(_ bytes: Int) {
        reservedBytes.withLock { $0 -= bytes }
    }

    /// The error to report when a write failed with `ENOSPC` while `bytes` were still to come.
    func insufficientSpace(stillNeeding bytes: Int) -> ArchiverError {
        let available = (try? Self.availableBytes(at: path)) ?? 0
        return .insufficientSpace(path: path, neededBytes: bytes + minimumFreeBytes, availableBytes: available)
    }

    private static func availableBytes(at path: String) throws(ArchiverError) -> Int {
        guard let bytes = FileSystemSpace.availableBytes(at: path) else {
            throw .archiveUnwritable(path: path, errno: errno)
        }
        return bytes
    }
}
