import Foundation
import Glibc

/// Moves complete downloads into the archive tree, atomically and durably, with their metadata sidecar.
///
/// Order: the sidecar is renamed into place first, then the recording, then the folder is flushed. A final
/// `.mp4` path therefore only ever holds a complete, size-checked file, and a crash at any point leaves
/// either the old state or a sidecar whose recording a rerun fetches again.
///
/// Nothing is written through a symbolic link inside the archive: the folders of every path are checked with
/// `ArchiveRoot.checkContainment(of:)` right before the rename that publishes a file.
public struct Filer: Sendable {
    private let root: ArchiveRoot
    private let permissions: ArchivePermissions

    /// Creates a filer for `root` that creates files and folders with `permissions`.
    public init(root: ArchiveRoot, permissions: ArchivePermissions = .default) {
        self.root = root
        self.permissions = permissions
    }

    /// Files the complete, fsync'd recording at `temporaryPath` as `item`'s `.mp4`, with `sidecar` beside it.
    ///
    /// A file of the wrong size already at the final path is moved aside (`.mp4.replaced-<unix time>`),
    /// never overwritten.
    /// - Throws: `ArchiveRoot.UnsafePath` when a folder of the path is a symbolic link or leads out of the root
    ///   (nothing is written then); `ArchiverError.archiveUnwritable` when a folder or file cannot be created or
    ///   renamed.
    public func file(recordingAt temporaryPath: String, as item: DownloadPlan.Item, sidecar: [UInt8]) throws {
        let folder = try prepareFolder(for: item.relativePath)
        try writeSidecar(sidecar, for: item.relativePath)
        let finalPath = root.absolute("\(item.relativePath).\(DownloadPlanner.recordingExtension)")
        if item.existingWrongSize != nil,
            root.fileSize("\(item.relativePath).\(DownloadPlanner.recordingExtension)") != nil
        {
            let asidePath = "\(finalPath).replaced-\(Int(Date().timeIntervalSince1970))"
            guard rename(finalPath, asidePath) == 0 else {
                throw ArchiverError.archiveUnwritable(path: finalPath, errno: errno)
            }
        }
        // Checked again right before the rename: a link may have appeared while the recording downloaded.
        try root.checkContainment(of: item.relativePath)
        guard rename(temporaryPath, finalPath) == 0 else {
            throw ArchiverError.archiveUnwritable(path: finalPath, errno: errno)
        }
        try Self.flushFolder(folder)
    }

    /// Writes `item`'s sidecar atomically: temporary file, fsync, rename, folder flush.
    /// - Throws: `ArchiveRoot.UnsafePath` (nothing is written) or `ArchiverError.archiveUnwritable`.
    public func writeSidecar(_ contents: [UInt8], for relativePath: String) throws {
        let folder = try prepareFolder(for: relativePath)
        let finalPath = root.absolute("\(relativePath).\(DownloadPlanner.sidecarExtension)")
        let temporaryPath = "\(root.temporaryFolder)/sidecar-\(UUID().uuidString).json.part"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions.fileMode))
        guard descriptor >= 0 else { throw ArchiverError.archiveUnwritable(path: temporaryPath, errno: errno) }
        defer { unlink(temporaryPath) }  // no-op once renamed
        // open applies the umask; the configured mode is meant exactly.
        let modeFailure = fchmod(descriptor, mode_t(permissions.fileMode)) == 0 ? nil : errno
        let writeFailure = contents.withUnsafeBytes { Self.writeAll($0, to: descriptor) }
        let syncFailure = fsync(descriptor) == 0 ? nil : errno
        close(descriptor)
        if let failure = modeFailure ?? writeFailure ?? syncFailure {
            throw ArchiverError.archiveUnwritable(path: temporaryPath, errno: failure)
        }
        try root.checkContainment(of: relativePath)
        guard rename(temporaryPath, finalPath) == 0 else {
            throw ArchiverError.archiveUnwritable(path: finalPath, errno: errno)
        }
        try Self.flushFolder(folder)
    }

    /// Checks that the recording's folder stays inside the root, creates it, and flushes the parents of any
    /// folder it created.
    private func prepareFolder(for relativePath: String) throws -> String {
        try root.checkContainment(of: relativePath)
        let relativeFolder = relativePath.split(separator: "/").dropLast().joined(separator: "/")
        let created = try root.createFolders(relativeFolder, mode: permissions.folderMode)
        for folder in created {
            try Self.flushFolder(String(folder[..<folder.lastIndex(of: "/")!]))
        }
        return relativeFolder.isEmpty ? root.path : root.absolute(relativeFolder)
    }

    /// fsyncs a folder so that renames and creations in it survive a power cut.
    static func flushFolder(_ path: String) throws(ArchiverError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .archiveUnwritable(path: path, errno: errno) }
    }

    /// Writes all of `bytes`; returns the `errno` of a failed write.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }
}
