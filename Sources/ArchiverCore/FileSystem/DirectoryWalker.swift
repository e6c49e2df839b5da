import Glibc

/// Walks a folder tree without following symbolic links: what the reindex and the archive totals need.
enum DirectoryWalker {
    /// Calls `visit` with the `root`-relative path of each regular file below `root`, until it returns false.
    ///
    /// Folders for which `descends(relativePath)` is false are not entered; folders that cannot be read are
    /// skipped. Links are neither followed nor visited. The order is the file system's.
    static func visitFiles(
        under root: String,
        descends: (String) -> Bool = { _ in true },
        _ visit: (String) -> Bool
    ) {
        var pending = [""]
        while let folder = pending.popLast() {
            guard let directory = opendir(folder.isEmpty ? root : root + "/" + folder) else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name != ".", name != ".." else { continue }
                let relativePath = folder.isEmpty ? name : folder + "/" + name
                switch kind(of: entry.pointee.d_type, at: root + "/" + relativePath) {
                case .folder:
                    if descends(relativePath) { pending.append(relativePath) }
                case .regularFile:
                    if !visit(relativePath) { return }
                case .other:
                    continue
                }
            }
        }
    }

    private enum Kind { case folder, regularFile, other }

    /// The entry's kind from `readdir`, or from `lstat` where the file system does not say (`DT_UNKNOWN`).
    private static func kind(of type: UInt8, at path: String) -> Kind {
        switch Int32(type) {
        case Int32(DT_DIR): return .folder
        case Int32(DT_REG): return .regularFile
        case Int32(DT_UNKNOWN):
            var info = stat()
            guard lstat(path, &info) == 0 else { return .other }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: return .folder
            case S_IFREG: return .regularFile
            default: return .other
            }
        default: return .other
        }
    }
}
