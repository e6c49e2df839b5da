import Glibc
import Logging
import Synchronization

/// stderr, shared by the log and the live progress line: log lines never interleave with the progress line,
/// which is cleared before each of them and redrawn by the display's next tick.
final class Console: Sendable {
    /// The process's standard error.
    static let standardError = Console(descriptor: STDERR_FILENO)

    private let descriptor: Int32
    /// Whether a progress line is on screen now (so the next log line must clear it first).
    private let isStatusShown = Mutex(false)

    /// Whether the stream is a terminal (`isatty`); only then is a progress line drawn.
    let isTerminal: Bool
    /// Whether the stream is the systemd journal (`JournalStream`): each line then starts with its priority.
    let isJournal: Bool

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        isTerminal = isatty(descriptor) == 1
        isJournal = JournalStream.isConnected(descriptor)
    }

    /// The terminal's width in columns; 80 when unknown.
    var width: Int {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Writes `line` and a newline, clearing the progress line first if one is shown; on the journal, with the
    /// priority of `level` before it.
    func writeLine(_ line: String, level: Logger.Level = .info) {
        let prefix = isJournal ? JournalStream.prefix(for: level) : ""
        isStatusShown.withLock { isShown in
            write((isShown ? Self.clearLine : "") + prefix + line + "\n")
            isShown = false
        }
    }

    /// Draws `status` in place of the current progress line (carriage return, text, clear to end of line).
    func showStatus(_ status: String) {
        isStatusShown.withLock { isShown in
            write("\r" + status + "\u{1B}[K")
            isShown = true
        }
    }

    /// Removes the progress line, leaving the cursor at the start of an empty line.
    func clearStatus() {
        isStatusShown.withLock { isShown in
            if isShown { write(Self.clearLine) }
            isShown = false
        }
    }

    private static let clearLine = "\r\u{1B}[K"

    /// Writes all of `text`; called with the lock held, so that lines from several threads never interleave.
    private func write(_ text: String) {
        Terminal.write(text, to: descriptor)
    }
}
