import FoundationEssentials
import Glibc

/// The archive's root folder and the tool's state folder below it.
///
/// The root must exist: the tool never creates it, so that an unmounted NAS share does not turn into a
/// folder on the local disk. Everything below it is created on demand, folders with mode 0750 (or as
/// `archive.file_mode` says), and never through a symbolic link.
public struct ArchiveRoot: Sendable {
    /// The name of the tool's own folder inside the root.
    public static let stateFolderName = ".getscreen-archiver"

    /// The absolute path of the root.
    let path: String

    /// Checks that what `mount` requires is mounted and that `path` exists and is a folder.
    /// - Throws: `ArchiverError.archiveRootNotMounted` or `.archiveRootMissing`.
    init(path: String, mount: MountRequirement = .none) throws(ArchiverError) {
        // A required mount point is checked first: when it is not mounted, the root below it is missing too, and
        // "not mounted" is the message that helps.
        if case .mountPoint(let mountPoint) = mount {
            guard Self.isMountPoint(mountPoint) else {
                throw .archiveRootNotMounted(path: path, mountPoint: mountPoint)
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .archiveRootMissing(path: path)
        }
        switch mount {
        case .none:
            break
        case .rootIsMountPoint:
            guard Self.isMountPoint(path) else { throw .archiveRootNotMounted(path: path, mountPoint: nil) }
        case .mountPoint(let mountPoint):
            guard Self.isInside(path, folder: mountPoint) else {
                throw .archiveRootOutsideMount(path: path, mountPoint: mountPoint)
            }
        }
        self.path = path
    }

    /// Whether `path` is `folder` or below it, once both are resolved (links followed).
    static func isInside(_ path: String, folder: String) -> Bool {
        guard let resolvedPath = realpath(path, nil) else { return false }
        defer { free(resolvedPath) }
        guard let resolvedFolder = realpath(folder, nil) else { return false }
        defer { free(resolvedFolder) }
        let canonicalPath = String(cString: resolvedPath)
        let canonicalFolder = String(cString: resolvedFolder)
        return canonicalPath == canonicalFolder || canonicalFolder == "/"
            || canonicalPath.hasPrefix(canonicalFolder + "/")
    }

    /// Whether `path` is where a file system is mounted: on another device than its parent (the common case,
    /// answered without reading the mount table, which a reader can see with entries missing while other mounts
    /// come and go), or else listed in `/proc/self/mountinfo` (a bind mount within one file system).
    static func isMountPoint(_ path: String) -> Bool {
        guard let resolved = realpath(path, nil) else { return false }
        let canonical = String(cString: resolved)
        free(resolved)
        var own = stat()
        var parent = stat()
        guard stat(canonical, &own) == 0, stat(canonical + "/..", &parent) == 0 else { return false }
        if own.st_dev != parent.st_dev || own.st_ino == parent.st_ino { return true }
        guard let mountinfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        return mountinfo.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && unescapeMountField(fields[4]) == canonical
        }
    }

    /// mountinfo escapes space, tab, newline and backslash as three-digit octal (`\040`).
    private static func unescapeMountField(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var index = field.utf8.startIndex
        let utf8 = field.utf8
        while index < utf8.endIndex {
            if utf8[index] == UInt8(ascii: "\\"), utf8.distance(from: index, to: utf8.endIndex) >= 4,
                let value = UInt8(String(field[utf8.index(after: index)..<utf8.index(index, offsetBy: 4)]), radix: 8)
            {
                bytes.append(value)
                index = utf8.index(index, offsetBy: 4)
            } else {
                bytes.append(utf8[index])
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where partial downloads live until they are complete and renamed into place (same file system).
    var temporaryFolder: String { "\(path)/\(Self.stateFolderName)/tmp" }

    /// The absolute path of `relativePath`.
    func absolute(_ relativePath: String) -> String { "\(path)/\(relativePath)" }

    /// The size of the regular file at `relativePath`; nil when there is none, when it is not a regular file, or
    /// when it is reached through a symbolic link below the root (such a file is not the archive's).
    func fileSize(_ relativePath: String) -> Int? {
        guard (try? checkContainment(of: relativePath)) != nil else { return nil }
        return regularFileSize(relativePath)
    }

    /// The size of the regular file at `relativePath` (not followed if it is a link), with no other check.
    private func regularFileSize(_ relativePath: String) -> Int? {
        var info = stat()
        guard lstat(absolute(relativePath), &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// `fileSize(_:)` for the many paths of one plan: each folder's containment is checked once, where
    /// `fileSize(_:)` would check every folder of every path again (twice per listed session).
    func fileSizeReader() -> (String) -> Int? {
        // Per folder: whether it is safe and exists. Nothing is looked up in a folder that is missing (every
        // path of a first sync), which saves a failed `lstat` per path.
        var checkedFolders: [String: Bool] = [:]
        return { relativePath in
            let slash = relativePath.utf8.lastIndex(of: UInt8(ascii: "/")) ?? relativePath.utf8.startIndex
            let folder = String(relativePath[..<slash])
            let isPresent: Bool
            if let checked = checkedFolders[folder] {
                isPresent = checked
            } else {
                isPresent = (try? self.checkContainment(of: relativePath)) ?? false
                checkedFolders[folder] = isPresent
            }
            return isPresent ? self.regularFileSize(relativePath) : nil
        }
    }

    /// A path below the root that must not be written through.
    struct UnsafePath: Error, Sendable, Equatable, CustomStringConvertible {
        /// The absolute path at fault.
        var path: String
        /// What is wrong with it, for people.
        var problem: String

        var description: String { "unsafe path: \(path) \(problem)" }

        /// The failure of the recording of `sessionID`, which this path keeps out of the archive.
        func failure(sessionID: Int) -> RecordingFailure {
            RecordingFailure(
                sessionID: sessionID, code: .unsafePath, reason: "\(self); the recording was not archived")
        }
    }

    /// Checks that the folders of `relativePath` (every component but the last) keep it inside the root: no
    /// component is empty, `.` or `..`, and none that exists is a symbolic link (wherever it points) or anything
    /// but a folder. Together these mean the path cannot lead out of the root, so no `realpath` is needed (and
    /// none runs: this is called for every listed recording).
    /// - Returns: whether the folder exists (when it does not, nothing in it does).
    /// - Throws: `UnsafePath` naming the component at fault.
    @discardableResult
    func checkContainment(of relativePath: String) throws(UnsafePath) -> Bool {
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        var current = path
        var exists = true
        for component in components {
            guard !component.isEmpty, component != ".", component != ".." else {
                throw UnsafePath(path: absolute(relativePath), problem: "has an empty, \".\" or \"..\" component")
            }
            current += "/\(component)"
            guard exists else { continue }
            var info = stat()
            guard lstat(current, &info) == 0 else {
                exists = false  // nothing below a missing folder exists; the rest only needs its names checked
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                continue
            case S_IFLNK:
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: current)) ?? "?"
                throw UnsafePath(
                    path: current,
                    problem: "is a symbolic link (to \(target)); nothing is written through links inside the "
                        + "archive, remove it or replace it with a real folder"
                )
            default:
                throw UnsafePath(path: current, problem: "is not a folder; move it out of the way")
            }
        }
        return exists
    }

    /// Creates the folders of `relativeFolder` below the root that are missing, with mode `mode` exactly.
    ///
    /// An existing component that is a symbolic link or not a folder is refused (`ELOOP`, `ENOTDIR`): folders
    /// are never created or reused through a link.
    /// - Returns: the absolute paths of the folders it created, outermost first, so that their parents'
    ///   entries can be flushed.
    /// - Throws: `ArchiverError.archiveUnwritable` when a folder cannot be created.
    @discardableResult
    func createFolders(_ relativeFolder: String, mode: UInt32 = ArchivePermissions.default.folderMode)
        throws(ArchiverError) -> [String]
    {
        var created: [String] = []
        var current = path
        for component in relativeFolder.split(separator: "/") {
            current += "/\(component)"
            if mkdir(current, mode_t(mode)) == 0 {
                // mkdir applies the umask; the configured mode is meant exactly.
                guard chmod(current, mode_t(mode)) == 0 else { throw .archiveUnwritable(path: current, errno: errno) }
                created.append(current)
            } else if errno == EEXIST {
                var info = stat()
                guard lstat(current, &info) == 0 else { throw .archiveUnwritable(path: current, errno: errno) }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: continue
                case S_IFLNK: throw .archiveUnwritable(path: current, errno: ELOOP)
                default: throw .archiveUnwritable(path: current, errno: ENOTDIR)
                }
            } else {
                throw .archiveUnwritable(path: current, errno: errno)
            }
        }
        return created
    }
}
