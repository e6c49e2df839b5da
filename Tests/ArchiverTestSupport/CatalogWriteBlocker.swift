import CSQLite

/// Holds an exclusive transaction on a catalog from a connection of the test's own, so that the archiver's next
/// catalog write waits for it (SQLite's busy timeout): a run caught between publishing recordings and cataloguing
/// them, as a share's locking error or a kill at that moment leaves it.
///
/// Used from one task only; `release()` must be called before the blocker goes away.
public final class CatalogWriteBlocker {
    private var handle: OpaquePointer?

    /// Opens the catalog at `path` and takes its exclusive lock.
    /// - Throws: `Failure` with SQLite's message when the catalog cannot be opened or locked.
    public init(catalogAt path: String) throws {
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw Failure(message: "cannot open \(path): \(message)")
        }
        // The archiver may be reading the catalog right now: wait for it as it waits for us.
        sqlite3_busy_timeout(handle, 10_000)
        try execute("BEGIN EXCLUSIVE")
    }

    /// Rolls the transaction back and closes the connection: the archiver's writes go through again.
    public func release() {
        guard let handle else { return }
        sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
        sqlite3_close(handle)
        self.handle = nil
    }

    private func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            let message = String(cString: sqlite3_errmsg(handle))
            release()
            throw Failure(message: "\(sql) failed: \(message)")
        }
    }

    /// Why the catalog could not be blocked.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
