import Glibc

/// A file that log lines are appended to (`--log-file`): opened once with `O_APPEND`, one `write` per line, so
/// that lines of concurrent runs do not interleave.
final class LogFile: Sendable {
    private let descriptor: Int32

    /// Opens (creating, mode 0640) `path` for appending.
    /// - Throws: the `errno` of `open` when it fails.
    init(path: String) throws(LogFileError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw LogFileError(path: path, errno: errno) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Appends `line` and a newline; a failed write is dropped (logging must not stop the run).
    func append(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
    }
}

/// The log file cannot be opened.
struct LogFileError: Error, CustomStringConvertible {
    var path: String
    var errno: Int32

    var description: String {
        "cannot open the log file \(path) (--log-file): \(String(cString: strerror(errno))); "
            + "check that its folder exists and is writable"
    }
}
