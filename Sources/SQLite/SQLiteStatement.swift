import CSQLite

/// A compiled statement of a `SQLiteConnection`, finalized when the value goes away.
///
/// It is used under the same serialization as its connection. Should it outlive the connection, SQLite keeps
/// the connection open until the statement is finalized (`sqlite3_close_v2`).
public struct SQLiteStatement: ~Copyable {
    private let handle: OpaquePointer

    /// Compiles the first statement of `sql` on `connection`.
    /// - Throws: `SQLiteError` when the SQL is invalid or holds no statement.
    init(_ sql: String, connection: OpaquePointer) throws(SQLiteError) {
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &handle, nil)
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: connection) }
        guard let handle else { throw SQLiteError(code: SQLITE_MISUSE, message: "no SQL statement in \"\(sql)\"") }
        self.handle = handle
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `values` to the parameters `?1`, `?2`, ... in order, first resetting the statement so that it can
    /// run again; parameters left out are NULL.
    public func bind(_ values: any SQLiteValue...) throws(SQLiteError) {
        try bind(values)
    }

    /// Advances to the next row.
    /// - Returns: true when a row is ready for `column(_:)`, false when the statement has finished.
    public func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw SQLiteError(code: code, connection: sqlite3_db_handle(handle))
        }
    }

    /// Binds `values` as `bind(_:)` does and runs the statement to its end, discarding any rows.
    public func execute(_ values: any SQLiteValue...) throws(SQLiteError) {
        try bind(values)
        while try step() {}
    }

    /// The value in column `index` (from 0) of the current row.
    public func column<Value: SQLiteValue>(_ index: Int32) -> Value {
        Value(column: index, of: handle)
    }

    private func bind(_ values: [any SQLiteValue]) throws(SQLiteError) {
        // reset returns the error of the previous step, which that step already threw.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let code = value.bind(to: handle, at: Int32(offset + 1))
            guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: sqlite3_db_handle(handle)) }
        }
    }
}
