import Glibc

extension StateDirectory {
    /// The kind of file system that holds `folder`, or would hold it once created: `statfs` of its nearest
    /// existing ancestor. Nil when not even `/` can be examined.
    static func fileSystemKind(ofNearestExisting folder: String) -> FileSystemKind? {
        var candidate = folder
        while true {
            var info = stat()
            if stat(candidate, &info) == 0 { return FileSystemKind(ofFileSystemHolding: candidate) }
            guard let slash = candidate.lastIndex(of: "/"), candidate != "/" else { return nil }
            candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
        }
    }

    /// The warning to log once per run when the catalog's folder is on a network or FUSE file system; nil on a
    /// local disk.
    ///
    /// A warning, not a refusal: the admin chose the folder (or the home folder is on a share), the catalog can
    /// always be rebuilt from the sidecars, and SQLite there uses a rollback journal rather than WAL; runs may
    /// still fail with "disk I/O error" or "database is locked", which the message explains ahead of time.
    static func sharedFileSystemWarning(folder: String, source: Source, kind: FileSystemKind) -> String? {
        guard kind.isShared else { return nil }
        let fix =
            source.isConfigured
            ? "set state_dir to a folder on a local disk (or remove it: the default is local)"
            : "set state_dir to a folder on a local disk"
        return "\(source) puts the catalog in \(folder), on \(kind): SQLite's file locks are unreliable over NFS, "
            + "SMB and FUSE, so runs may fail with \"disk I/O error\" or \"database is locked\" and the catalog "
            + "may be damaged; \(fix)"
    }
}
