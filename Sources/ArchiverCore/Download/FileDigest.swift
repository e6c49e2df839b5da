import Crypto
import Glibc

/// SHA-256 of files already on disk, read in large sequential blocks.
enum FileDigest {
    /// The block size: large sequential reads suit NAS shares and spinning disks.
    static let blockSize = 4 << 20

    /// The SHA-256 (lowercase hex) and size of the file at `path`.
    /// - Parameter progress: called after each block with the bytes read so far.
    /// - Throws: `ArchiverError.archiveUnwritable` (naming the path and `errno`) when the file cannot be read.
    static func sha256(
        ofFileAt path: String,
        progress: (Int) -> Void = { _ in }
    ) throws(ArchiverError) -> (hex: String, sizeBytes: Int) {
        // Each open and read shows the storage watchdog a call in flight: on a hung share it never returns.
        let watchdog = StorageWatchdog.shared
        let slot = watchdog.addSlot("reading \(path)")
        defer { watchdog.remove(slot) }
        slot.begin()
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        slot.end()
        guard descriptor >= 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        defer { close(descriptor) }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        var hasher = SHA256()
        var total = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            slot.begin()
            let count = read(descriptor, buffer.baseAddress!, blockSize)
            slot.end()
            if count < 0 {
                if errno == EINTR { continue }
                throw .archiveUnwritable(path: path, errno: errno)
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            total += count
            progress(total)
        }
        return (hex(hasher.finalize()), total)
    }

    /// Lowercase hex of a digest.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in digest {
            text += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return text
    }
}
