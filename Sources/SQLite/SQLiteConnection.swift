import CSQLite

/// One connection to an SQLite database file, closed when the value goes away.
///
/// It is opened in SQLite's multi-thread mode (`SQLITE_OPEN_NOMUTEX`): the owner must serialize every use of
/// the connection and of its statements (`Catalog` keeps it in a `Mutex`). Noncopyable, so that exactly one
/// owner closes the handle. Sendable for the same reason: it moves between threads with its one owner, and SQLite's
/// multi-thread mode allows that as long as two threads never use it at once, which a single owner rules out.
public struct SQLiteConnection: ~Copyable, @unchecked Sendable {
    /// How the file is opened.
    public enum Access {
        /// Read and write, creating the file when it is missing.
        case readWriteCreate
        /// Read and write an existing file: a missing file is an error.
        case readWrite
        /// Read only: a missing file is an error, and nothing is ever written.
        case readOnly
    }

    private let handle: OpaquePointer

    /// Opens the database file at `path`.
    /// - Parameter busyTimeout: How long a statement waits for another connection's lock before it fails with
    ///   `SQLITE_BUSY` (`sqlite3_busy_timeout`).
    /// - Throws: `SQLiteError` when SQLite cannot open the file.
    public init(path: String, access: Access, busyTimeout: Duration) throws(SQLiteError) {
        let mode =
            switch access {
            case .readWriteCreate: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .readWrite: SQLITE_OPEN_READWRITE
            case .readOnly: SQLITE_OPEN_READONLY
            }
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, mode | SQLITE_OPEN_NOMUTEX, nil)
        // sqlite3_open_v2 returns a handle even when it fails (unless out of memory); it must be closed then.
        guard let handle else { throw SQLiteError(code: code, message: "out of memory") }
        guard code == SQLITE_OK else {
            let error = SQLiteError(code: code, connection: handle)
            sqlite3_close_v2(handle)
            throw error
        }
        // Extended codes (SQLITE_READONLY_ROLLBACK, SQLITE_IOERR_LOCK, ...) tell apart failures that need
        // different advice; the primary code is still their low byte.
        sqlite3_extended_result_codes(handle, 1)
        let (seconds, attoseconds) = busyTimeout.components
        sqlite3_busy_timeout(handle, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        self.handle = handle
    }

    deinit {
        // close_v2 defers the close until the last statement is finalized, should one outlive the connection.
        sqlite3_close_v2(handle)
    }

    /// Copies the whole database into `destination`, replacing what it holds (SQLite's online backup, in one
    /// step).
    /// - Throws: `SQLiteError` when the copy fails; `destination` is then unchanged.
    public func copy(into destination: borrowing SQLiteConnection) throws(SQLiteError) {
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw SQLiteError(code: sqlite3_errcode(destination.handle), connection: destination.handle)
        }
        let step = sqlite3_backup_step(backup, -1)
        let finish = sqlite3_backup_finish(backup)
        guard step == SQLITE_DONE else { throw SQLiteError(code: step, connection: destination.handle) }
        guard finish == SQLITE_OK else { throw SQLiteError(code: finish, connection: destination.handle) }
    }

    /// Runs `sql`, one or more statements separated by semicolons, discarding any rows they return.
    public func execute(_ sql: String) throws(SQLiteError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: handle) }
    }

    /// Compiles `sql`, a single statement whose parameters (`?`, `?1`, ...) are bound later.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(sql, connection: handle)
    }

    /// The first column of the first row that `sql` returns; `nil` when it returns no row.
    public func firstValue<Value: SQLiteValue>(_ sql: String) throws(SQLiteError) -> Value? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.column(0) : nil
    }

    /// Sets the journal mode (`PRAGMA journal_mode`) and checks that SQLite took it: it keeps the old mode
    /// without an error in some cases, such as leaving WAL while another connection has the file open.
    /// - Parameter mode: `delete`, `wal`, or another mode in lowercase.
    public func setJournalMode(_ mode: String) throws(SQLiteError) {
        let actual: String? = try firstValue("PRAGMA journal_mode = \(mode)")
        guard actual == mode else {
            throw SQLiteError(
                code: SQLITE_ERROR, message: "SQLite kept journal_mode \(actual ?? "unknown"), not \(mode)")
        }
    }

    /// Runs `body` in a transaction that takes the write lock at once (`BEGIN IMMEDIATE`, waiting up to the busy
    /// timeout for it) and commits when `body` returns.
    /// - Throws: what `body` or `COMMIT` throws, after rolling back: nothing of the transaction is kept.
    public func transaction<Result>(
        _ body: (borrowing SQLiteConnection) throws(SQLiteError) -> Result
    ) throws(SQLiteError) -> Result {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body(self)
            try execute("COMMIT")
            return result
        } catch {
            // A failed COMMIT (SQLITE_BUSY) leaves the transaction open. Some errors (SQLITE_FULL, SQLITE_IOERR)
            // already rolled it back, so ROLLBACK is sent only while one is open and its own failure is not
            // what the caller needs to hear.
            if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }
}
