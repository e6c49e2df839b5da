import CLinux
import FoundationEssentials
import Glibc

/// Moves complete downloads into the archive tree, atomically and durably, with their metadata sidecar.
///
/// Order: the bytes are flushed, then the sidecar is renamed into place, then the recording, then the folder
/// is flushed. A final `.mp4` path therefore only ever holds a complete, size-checked file, and a crash at any
/// point leaves either the old state or a sidecar whose recording a rerun publishes or fetches again.
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

    /// Publishes complete downloads with few flushes: writes their sidecars to temporary files, flushes the
    /// file system once for all of them (`syncfs`), checks each folder stays inside the root and creates it,
    /// renames every sidecar and then its recording into place (moving a wrong-sized file aside to
    /// `.mp4.replaced-<unix time>`, never overwriting it), and flushes the file system again for the renames (one
    /// `syncfs` instead of an fsync, and a disk cache flush, per folder touched).
    ///
    /// Durability comes before visibility: a recording is renamed to its final path only after its bytes were
    /// flushed, and the caller records it in the catalog only after this returns. A crash before the folder
    /// flushes may lose a rename; the partial file then is still complete, and the next run publishes it
    /// without downloading it again.
    /// - Returns: per download, the recording published, or the reason it was not (`unsafe_path`).
    /// - Throws: `ArchiverError.archiveUnwritable` when the archive cannot be written (the run must stop).
    public func publish(
        _ downloads: [CompletedDownload]
    ) throws(ArchiverError) -> [Result<ArchivedRecording, RecordingFailure>] {
        var sidecars: [String] = []
        defer { for path in sidecars { unlink(path) } }  // no-op once renamed
        for download in downloads {
            let id = download.recording.session.id
            let path = "\(root.temporaryFolder)/sidecar-\(id)-\(UUID().uuidString).json.part"
            try writeTemporaryFile(Sidecar.contents(for: download.recording), at: path, flush: false)
            sidecars.append(path)
        }
        try Self.flushFileSystem(holding: root.temporaryFolder, files: downloads.map(\.partialPath) + sidecars)

        var results: [Result<ArchivedRecording, RecordingFailure>] = []
        var foldersToFlush = Set<String>()
        var checkedFolders: [String: ArchiveRoot.UnsafePath?] = [:]
        for (download, sidecarPath) in zip(downloads, sidecars) {
            let relativePath = download.item.relativePath
            let relativeFolder = relativePath.split(separator: "/").dropLast().joined(separator: "/")
            // Checked once per folder and batch, right before the renames: a link may have appeared meanwhile.
            let unsafe: ArchiveRoot.UnsafePath?
            if let checked = checkedFolders[relativeFolder] {
                unsafe = checked
            } else {
                unsafe = try prepareFolder(relativeFolder, for: relativePath, flushing: &foldersToFlush)
                checkedFolders[relativeFolder] = unsafe
            }
            if let unsafe {
                unlink(download.partialPath)
                results.append(.failure(Downloader.unsafePathFailure(unsafe, sessionID: download.recording.session.id)))
                continue
            }
            let finalPath = root.absolute(download.recording.relativePath)
            if download.item.existingWrongSize != nil, root.fileSize(download.recording.relativePath) != nil {
                let asidePath = "\(finalPath).replaced-\(Int(Date().timeIntervalSince1970))"
                guard rename(finalPath, asidePath) == 0 else { throw .archiveUnwritable(path: finalPath, errno: errno) }
            }
            let sidecarFinalPath = root.absolute("\(relativePath).\(DownloadPlanner.sidecarExtension)")
            guard rename(sidecarPath, sidecarFinalPath) == 0 else {
                throw .archiveUnwritable(path: sidecarFinalPath, errno: errno)
            }
            guard rename(download.partialPath, finalPath) == 0 else {
                throw .archiveUnwritable(path: finalPath, errno: errno)
            }
            foldersToFlush.insert(relativeFolder.isEmpty ? root.path : root.absolute(relativeFolder))
            results.append(.success(download.recording))
        }
        // Every final path is on the temporary folder's file system (rename(2) cannot cross file systems).
        if try !Self.syncFileSystem(holding: root.temporaryFolder) {
            for folder in foldersToFlush.sorted() {
                try Self.flushFolder(folder)
            }
        }
        return results
    }

    /// Checks that `relativeFolder` (of `relativePath`) stays inside the root and creates what is missing of it.
    /// - Returns: the reason it is unsafe, or nil; the parents of created folders are added to `foldersToFlush`.
    private func prepareFolder(
        _ relativeFolder: String,
        for relativePath: String,
        flushing foldersToFlush: inout Set<String>
    ) throws(ArchiverError) -> ArchiveRoot.UnsafePath? {
        do {
            try root.checkContainment(of: relativePath)
        } catch {
            return error
        }
        for folder in try root.createFolders(relativeFolder, mode: permissions.folderMode) {
            foldersToFlush.insert(String(folder[..<folder.lastIndex(of: "/")!]))
        }
        return nil
    }

    /// Flushes everything written to the file system holding `folder`, data and metadata (`syncfs`).
    /// - Returns: false when the file system cannot be flushed that way, and each file and folder needs its fsync.
    static func syncFileSystem(holding folder: String) throws(ArchiverError) -> Bool {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .archiveUnwritable(path: folder, errno: errno) }
        defer { close(descriptor) }
        return syncfs(descriptor) == 0
    }

    /// Makes the temporary `files` durable: one `syncfs` of their file system, or, where that fails, an
    /// fsync of each.
    static func flushFileSystem(holding folder: String, files: [String]) throws(ArchiverError) {
        if try syncFileSystem(holding: folder) { return }
        for file in files {
            let fileDescriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard fileDescriptor >= 0 else { throw .archiveUnwritable(path: file, errno: errno) }
            defer { close(fileDescriptor) }
            guard fsync(fileDescriptor) == 0 else { throw .archiveUnwritable(path: file, errno: errno) }
        }
    }

    /// Creates `path` with the configured file mode exactly and writes `contents`, fsync'ing it when `flush`.
    private func writeTemporaryFile(_ contents: [UInt8], at path: String, flush: Bool) throws(ArchiverError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions.fileMode))
        guard descriptor >= 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        // open applies the umask; the configured mode is meant exactly.
        let modeFailure = fchmod(descriptor, mode_t(permissions.fileMode)) == 0 ? nil : errno
        let writeFailure = contents.withUnsafeBytes { Self.writeAll($0, to: descriptor) }
        let syncFailure = !flush || fsync(descriptor) == 0 ? nil : errno
        close(descriptor)
        if let failure = modeFailure ?? writeFailure ?? syncFailure {
            unlink(path)
            throw .archiveUnwritable(path: path, errno: failure)
        }
    }

    /// Writes `item`'s sidecar atomically: temporary file, fsync, rename, folder flush.
    /// - Throws: `ArchiveRoot.UnsafePath` (nothing is written) or `ArchiverError.archiveUnwritable`.
    public func writeSidecar(_ contents: [UInt8], for relativePath: String) throws {
        let relativeFolder = relativePath.split(separator: "/").dropLast().joined(separator: "/")
        var foldersToFlush = Set<String>()
        if let unsafe = try prepareFolder(relativeFolder, for: relativePath, flushing: &foldersToFlush) {
            throw unsafe
        }
        let finalPath = root.absolute("\(relativePath).\(DownloadPlanner.sidecarExtension)")
        let temporaryPath = "\(root.temporaryFolder)/sidecar-\(UUID().uuidString).json.part"
        try writeTemporaryFile(contents, at: temporaryPath, flush: true)
        defer { unlink(temporaryPath) }  // no-op once renamed
        try root.checkContainment(of: relativePath)
        guard rename(temporaryPath, finalPath) == 0 else {
            throw ArchiverError.archiveUnwritable(path: finalPath, errno: errno)
        }
        foldersToFlush.insert(relativeFolder.isEmpty ? root.path : root.absolute(relativeFolder))
        for folder in foldersToFlush.sorted() { try Self.flushFolder(folder) }
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
