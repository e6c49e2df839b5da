import Foundation
import Glibc

/// The archive's root folder and the tool's state folder below it.
///
/// The root must exist: the tool never creates it, so that an unmounted NAS share does not turn into a
/// folder on the local disk. Everything below it is created on demand, folders with mode 0750.
public struct ArchiveRoot: Sendable {
    /// The name of the tool's own folder inside the root.
    public static let stateFolderName = ".getscreen-archiver"

    /// The absolute path of the root.
    public let path: String

    /// Checks that `path` exists and is a folder.
    /// - Throws: `ArchiverError.archiveRootMissing` otherwise.
    public init(path: String) throws(ArchiverError) {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .archiveRootMissing(path: path)
        }
        self.path = path
    }

    /// Where partial downloads live until they are complete and renamed into place (same file system).
    public var temporaryFolder: String { "\(path)/\(Self.stateFolderName)/tmp" }

    /// The absolute path of `relativePath`.
    public func absolute(_ relativePath: String) -> String { "\(path)/\(relativePath)" }

    /// The size of the regular file at `relativePath`; nil when there is none (or it is not a regular file).
    public func fileSize(_ relativePath: String) -> Int? {
        var info = stat()
        guard lstat(absolute(relativePath), &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// Creates the folders of `relativeFolder` below the root that are missing.
    /// - Returns: the absolute paths of the folders it created, outermost first, so that their parents'
    ///   entries can be flushed.
    /// - Throws: `ArchiverError.archiveUnwritable` when a folder cannot be created.
    @discardableResult
    public func createFolders(_ relativeFolder: String) throws(ArchiverError) -> [String] {
        var created: [String] = []
        var current = path
        for component in relativeFolder.split(separator: "/") {
            current += "/\(component)"
            if mkdir(current, 0o750) == 0 {
                created.append(current)
            } else if errno != EEXIST {
                throw .archiveUnwritable(path: current, errno: errno)
            }
        }
        return created
    }
}
