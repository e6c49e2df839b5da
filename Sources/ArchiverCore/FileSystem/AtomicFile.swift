import FoundationEssentials
import Glibc

/// Writing a whole file so that readers see the old content or the new, never a part.
///
/// The file may live in a folder that other users can write to (Debian's node exporter textfile folder), so the
/// temporary file gets a random name and is created with `O_CREAT | O_EXCL | O_NOFOLLOW`: a symlink or file planted
/// at any name fails the create instead of redirecting the write, and concurrent writers never share a file.
enum AtomicFile {
    /// How many random names are tried before giving up; a clash needs someone to guess 64 random bits.
    private static let attempts = 8

    /// Writes `data` to a new temporary file beside `path` (with `mode`, narrowed by the umask as `open(2)` does),
    /// flushes it, renames it over `path` and flushes the folder, so the rename survives a crash.
    /// - Throws: `ArchiverError.outputUnwritable` naming `path` and the system's reason.
    static func write(_ data: Data, to path: String, mode: mode_t = 0o640) throws(ArchiverError) {
        let (descriptor, temporaryPath) = try createTemporaryFile(beside: path, mode: mode)
        let failure =
            data.withUnsafeBytes { FileDescriptorWriting.writeAll($0, to: descriptor) }
            ?? (fsync(descriptor) == 0 ? nil : errno)
        close(descriptor)
        // rename(2) replaces a symlink at `path` itself; it never writes through it.
        guard failure == nil, rename(temporaryPath, path) == 0 else {
            let reason = failure ?? errno
            unlink(temporaryPath)
            throw .outputUnwritable(path: path, errno: reason)
        }
        syncFolder(of: path)
    }

    /// Creates `.<name>.<16 random hex digits>.tmp` in `path`'s folder, exclusively and without following links.
    private static func createTemporaryFile(
        beside path: String,
        mode: mode_t
    ) throws(ArchiverError) -> (descriptor: Int32, path: String) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var reason = EEXIST
        for _ in 0..<attempts {
            let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
            let temporaryPath = "\(folder).\(name).\(suffix).tmp"
            let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if descriptor >= 0 { return (descriptor, temporaryPath) }
            reason = errno
            guard reason == EEXIST else { break }
        }
        throw .outputUnwritable(path: path, errno: reason)
    }

    /// Flushes the folder's entry list after the rename. Best effort: the new content is in place already, and
    /// some file systems (CIFS, several FUSE ones) refuse `fsync` on a folder.
    private static func syncFolder(of path: String) {
        let folder = path.lastIndex(of: "/").map { path[...$0] }.map(String.init) ?? "."
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
