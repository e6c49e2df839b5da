import Glibc
import Synchronization

/// Keeps downloads from filling the archive's file system: before each transfer, the free space must cover
/// the bytes still to come for every transfer in flight plus `archive.min_free`.
///
/// Reservations count a transfer's remaining bytes until it ends, although it consumes free space as it
/// writes, so the check errs on the side of stopping early. Where the file system reports no figures, the
/// space is `archive.assume_free` when set, and is not checked otherwise (`FileSystemSpace.unreported`).
final class StorageGuard: Sendable {
    private let path: String
    private let minimumFreeBytes: Int
    private let assumedFreeBytes: Int?
    private let reservedBytes = Mutex(0)

    init(path: String, minimumFreeBytes: Int, assumedFreeBytes: Int? = nil) {
        self.path = path
        self.minimumFreeBytes = minimumFreeBytes
        self.assumedFreeBytes = assumedFreeBytes
    }

    /// Reserves `bytes` for a transfer about to start.
    /// - Throws: `ArchiverError.insufficientSpace` when the file system cannot take them.
    func reserve(_ bytes: Int) throws(ArchiverError) {
        let available = try availableBytes()
        let shortfall = reservedBytes.withLock { reserved -> Int? in
            let needed = reserved + bytes + minimumFreeBytes
            reserved += bytes
            guard let available, available < needed else { return nil }
            reserved -= bytes
            return needed
        }
        if let needed = shortfall, let available {
            throw .insufficientSpace(path: path, neededBytes: needed, availableBytes: available)
        }
    }

    /// Gives back a reservation when its transfer ended.
    func release(_ bytes: Int) {
        reservedBytes.withLock { $0 -= bytes }
    }

    /// The error to report when a write failed with `ENOSPC` while `bytes` were still to come.
    func insufficientSpace(stillNeeding bytes: Int) -> ArchiverError {
        let available = ((try? availableBytes()) ?? nil) ?? 0
        return .insufficientSpace(path: path, neededBytes: bytes + minimumFreeBytes, availableBytes: available)
    }

    /// The free bytes to check against; nil when the file system reports none and none is assumed.
    private func availableBytes() throws(ArchiverError) -> Int? {
        guard let space = FileSystemSpace.of(path, assumingWhereUnreported: assumedFreeBytes) else {
            throw .archiveUnwritable(path: path, errno: errno)
        }
        return space.freeBytes
    }
}
