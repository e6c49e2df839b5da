import Glibc
import Logging
import Synchronization

/// Sets the modes of what the archiver creates (`archive.file_mode`), checks that the file system kept them, and
/// warns once per run when it did not.
///
/// SMB servers (and smbnetfs on top of them) decide modes themselves, from their "create mask" and "directory
/// mask": `fchmod` returns 0 and the file keeps the server's mode. That is the share's decision, not an error, so
/// the run goes on; one warning per run says so, instead of one per file.
final class ModeCheck: Sendable {
    private let hasWarned = Mutex(false)
    private let logger: Logger

    /// Creates the check of one run, which warns through `logger`.
    init(logger: Logger) {
        self.logger = logger
    }

    /// Sets `mode` on the open file `descriptor` (at `path`) and checks that it holds.
    ///
    /// A file system that refuses to set modes (`EPERM`, `ENOTSUP`, `ENOSYS`) is treated like one that ignores
    /// them: a warning, not a failure.
    /// - Throws: `ArchiverError.archiveUnwritable` when `fchmod` or `fstat` fails otherwise.
    func apply(_ mode: UInt32, to descriptor: Int32, at path: String) throws(ArchiverError) {
        if fchmod(descriptor, mode_t(mode)) != 0 {
            let failure = errno
            guard Self.isRefusal(failure) else { throw .archiveUnwritable(path: path, errno: failure) }
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        compare(asked: mode, got: UInt32(info.st_mode) & 0o7777, at: path)
    }

    /// Checks that the folder at `path`, just created and `chmod`ed, has `mode`.
    /// - Throws: `ArchiverError.archiveUnwritable` when its mode cannot be read.
    func verifyFolder(_ path: String, has mode: UInt32) throws(ArchiverError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        compare(asked: mode, got: UInt32(info.st_mode) & 0o7777, at: path)
    }

    /// Warns, the first time in this run, when `got` is not `asked`.
    func compare(asked: UInt32, got: UInt32, at path: String) {
        guard got != asked else { return }
        let isFirst = hasWarned.withLock { hasWarned in
            defer { hasWarned = true }
            return !hasWarned
        }
        guard isFirst else { return }
        logger.warning(
            """
            the archive's file system does not keep the modes of archive.file_mode; the share decides them (for SMB \
            and smbnetfs, the server's "create mask" and "directory mask"); set them there. Files are archived \
            anyway; this is said once per run
            """,
            metadata: [
                "path": "\(path)", "asked_mode": "\(ArchivePermissions.octal(asked))",
                "got_mode": "\(ArchivePermissions.octal(got))",
            ]
        )
    }

    /// Whether a failed `chmod` means the file system does not let modes be set at all.
    private static func isRefusal(_ errno: Int32) -> Bool {
        errno == EPERM || errno == ENOTSUP || errno == ENOSYS
    }
}
