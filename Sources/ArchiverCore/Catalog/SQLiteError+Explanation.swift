import CSQLite
import FoundationEssentials
import SQLite

extension SQLiteError {
    /// `SQLITE_READONLY_ROLLBACK` (sqlite3.h: `SQLITE_READONLY | (3<<8)`), which Swift does not import: a hot
    /// journal that a read-only connection may not roll back.
    static let readOnlyRollback: Int32 = SQLITE_READONLY | (3 << 8)

    /// What happened to the catalog at `path`, in the admin's words: SQLite's own message, what it means there,
    /// and what to do.
    /// - Parameters:
    ///   - fileSystem: The kind of file system that holds the catalog's folder, if known.
    ///   - busyTimeout: How long SQLite waited for a lock before giving up.
    func explanation(forCatalogAt path: String, fileSystem: FileSystemKind?, busyTimeout: Duration) -> String {
        let folder = path.deletingLastPathComponent
        let shared = fileSystem.flatMap { $0.isShared ? $0 : nil }
        let moveToLocalDisk =
            "set state_dir to a folder on a local disk (the default is local), then run again"
        switch primaryCode {
        case SQLITE_IOERR:
            if let shared {
                return "disk I/O error (\(message)) on \(shared), where SQLite's file locks are unreliable; "
                    + moveToLocalDisk
            }
            return "disk I/O error (\(message)); check the disk holding \(folder) (dmesg, free space) and run "
                + "again; if it persists, move the catalog aside and run getscreen-archiver reindex"
        case SQLITE_BUSY, SQLITE_LOCKED:
            let advice =
                shared.map { "; on \($0) a lock can stay behind after a crash or look held when it is not: " }
                .map { $0 + moveToLocalDisk } ?? ""
            return
                "another process kept it locked for more than \(busyTimeout.components.seconds) seconds (\(message)); "
                + "wait for the other "
                + "getscreen-archiver run, or a program such as sqlite3 that has it open, to finish\(advice)"
        case SQLITE_READONLY where code == Self.readOnlyRollback:
            return "a run that stopped abruptly left an unfinished transaction (\(path)-journal), and rolling it back "
                + "needs write access to \(folder); run getscreen-archiver sync or reindex as the user that owns "
                + "the catalog, then try again"
        case SQLITE_READONLY:
            return "SQLite may not write it (\(message)); give this user write access to \(path) and to \(folder), "
                + "or run as the user that owns them"
        case SQLITE_CANTOPEN:
            return "SQLite cannot open it (\(message)); check that \(folder) exists and that this user may read "
                + "and write it (state_dir)"
        case SQLITE_FULL:
            return "the file system holding \(folder) is full (\(message)); free some space there, then run again"
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return "the file is damaged or is not a catalog (\(message)); move it aside (mv \(path) "
                + "\(path).damaged) and run getscreen-archiver reindex to rebuild it from the sidecars"
        default:
            return "\(message); if it happens again, move the file aside and run getscreen-archiver reindex to "
                + "rebuild it from the sidecars"
        }
    }
}
