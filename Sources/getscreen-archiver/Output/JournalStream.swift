import Glibc
import Logging

/// Whether a stream is connected to the systemd journal, and the syslog priority prefixes it then wants.
///
/// systemd sets `JOURNAL_STREAM` to `<device>:<inode>` of the stream it connected to the journal; sd-daemon(3)
/// says to compare that with the stream itself, so that a program started from a unit whose stderr goes
/// elsewhere (a pipe, a file) does not mistake the inherited variable for its own journal connection. On the
/// journal, each line starts with `<N>` (the priority journald stores) and carries no timestamp of its own.
enum JournalStream {
    /// Whether `descriptor` is the stream `JOURNAL_STREAM` names.
    static func isConnected(_ descriptor: Int32) -> Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// The sd-daemon(3) prefix of a line at `level`: `<3>` error, `<4>` warning, `<6>` info, `<7>` debug.
    static func prefix(for level: Logger.Level) -> String {
        "<\(priority(of: level))>"
    }

    /// The syslog priority of `level` (`LOG_CRIT` … `LOG_DEBUG`).
    static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
