import CSQLite

/// A Swift type that binds to a statement parameter and reads from a result column.
///
/// `Optional` binds `nil` as NULL and reads NULL as `nil`; the other types read NULL as 0 or "" (SQLite's
/// conversion), so columns that may be NULL are read as optionals.
public protocol SQLiteValue {
    /// Binds this value to parameter `index` (from 1) of `statement`.
    /// - Returns: the SQLite result code.
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32

    /// Reads column `index` (from 0) of `statement`'s current row.
    init(column index: Int32, of statement: OpaquePointer)
}

extension Int64: SQLiteValue {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        sqlite3_bind_int64(statement, index, self)
    }

    public init(column index: Int32, of statement: OpaquePointer) {
        self = sqlite3_column_int64(statement, index)
    }
}

extension Int: SQLiteValue {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        Int64(self).bind(to: statement, at: index)
    }

    public init(column index: Int32, of statement: OpaquePointer) {
        self.init(Int64(column: index, of: statement))
    }
}

extension Double: SQLiteValue {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        sqlite3_bind_double(statement, index, self)
    }

    public init(column index: Int32, of statement: OpaquePointer) {
        self = sqlite3_column_double(statement, index)
    }
}

extension String: SQLiteValue {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        // The byte count keeps any NUL inside the string; SQLite copies the bytes before the call returns.
        withCString { csqlite_bind_text_transient(statement, index, $0, sqlite3_uint64(utf8.count)) }
    }

    public init(column index: Int32, of statement: OpaquePointer) {
        guard let text = sqlite3_column_text(statement, index) else {
            self = ""
            return
        }
        // sqlite3_column_bytes after sqlite3_column_text: the length of the UTF-8 text just returned.
        let count = Int(sqlite3_column_bytes(statement, index))
        self = String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
}

extension Optional: SQLiteValue where Wrapped: SQLiteValue {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        guard let self else { return sqlite3_bind_null(statement, index) }
        return self.bind(to: statement, at: index)
    }

    public init(column index: Int32, of statement: OpaquePointer) {
        self = sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : Wrapped(column: index, of: statement)
    }
}
