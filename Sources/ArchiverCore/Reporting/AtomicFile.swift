public import FoundationEssentials
public import Glibc

/// Writing a whole file so that readers see the old content or the new, never a part.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `path` (with `mode`), flushes it, and renames it over `path`.
    /// - Throws: `ArchiverError.outputUnwritable` naming `path` and the system's reason.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o640) throws(ArchiverError) {
        let temporaryPath = "\(path).tmp-\(getpid())"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .outputUnwritable(path: path, errno: errno) }
        let failure =
            data.withUnsafeBytes { Filer.writeAll($0, to: descriptor) } ?? (fsync(descriptor) == 0 ? nil : errno)
        close(descriptor)
        guard failure == nil, rename(temporaryPath, path) == 0 else {
            let reason = failure ?? errno
            unlink(temporaryPath)
            throw .outputUnwritable(path: path, errno: reason)
        }
    }
}
