import CSQLite
import Glibc

/// A failed SQLite call: its result code and SQLite's message for it.
public struct SQLiteError: Error, CustomStringConvertible {
    /// The SQLite result code, extended where SQLite gave one (`SQLITE_READONLY_ROLLBACK`); its low byte is the
    /// primary code (`SQLITE_BUSY`, `SQLITE_CANTOPEN`, ...).
    public var code: Int32

    /// The primary result code (`code`'s low byte).
    public var primaryCode: Int32 { code & 0xff }
    /// What SQLite said, for people.
    public var message: String

    public var description: String { message }

    /// An error with `message`, for failures SQLite itself did not describe.
    init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The error `code` of the last call on `connection`, with `sqlite3_errmsg`'s text. For a file that cannot
    /// be opened or read, the system's reason is added ("unable to open database file" alone does not say why).
    init(code: Int32, connection: OpaquePointer) {
        // sqlite3_open_v2 returns the primary code even where the connection knows the extended one.
        let extended = sqlite3_extended_errcode(connection)
        let primary = code & 0xff
        self.code = extended & 0xff == primary ? extended : code
        var message = String(cString: sqlite3_errmsg(connection))
        let systemErrno = sqlite3_system_errno(connection)
        if systemErrno != 0, primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR {
            message += " (\(String(cString: strerror(systemErrno))))"
        }
        self.message = message
    }
}
