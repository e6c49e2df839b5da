import CLinux
import FoundationEssentials
import Glibc

/// Moves complete downloads into the archive tree, atomically and durably, with their metadata sidecar.
///
/// Order: the bytes are flushed, then the sidecar is renamed into place, then the recording, then the folder
/// is flushed. A recording's size is checked right before its rename and again at its final path right after it;
/// a recording whose size differs (or cannot be read) is deleted, never left at its final path. A final `.mp4`
/// path therefore only holds a file whose size the storage confirmed, and a crash at any point leaves either the
/// old state or a sidecar whose recording a rerun publishes or fetches again.
///
/// How the bytes are flushed depends on the file system (`FileSystemKind`): on local disks one `syncfs` covers a
/// whole batch; on NFS, SMB and FUSE shares, where `syncfs` returns 0 without reaching the server, the recording
/// was fsync'ed on the descriptor that wrote it (`Downloader`), each sidecar is fsync'ed, and each folder touched.
///
/// Nothing is written through a symbolic link inside the archive: the folders of every path are checked with
/// `ArchiveRoot.checkContainment(of:)` right before the rename that publishes a file.
struct Filer: Sendable {
    let root: ArchiveRoot
    private let permissions: ArchivePermissions
    private let modeCheck: ModeCheck
    /// Whether one `syncfs` makes the archive's writes durable (local disks); elsewhere every file and folder
    /// gets its own checked fsync.
    let flushesWithSyncfs: Bool

    /// Creates a filer for `root` that creates files and folders with `permissions`, checked by `modeCheck`.
    init(root: ArchiveRoot, permissions: ArchivePermissions = .default, modeCheck: ModeCheck) {
        self.root = root
        self.permissions = permissions
        self.modeCheck = modeCheck
        self.flushesWithSyncfs = Self.flushesWithSyncfs(root)
    }

    /// Whether `syncfs` can be trusted on `root`'s file system; when `statfs` cannot tell, it is not.
    static func flushesWithSyncfs(_ root: ArchiveRoot) -> Bool {
        FileSystemKind(ofFileSystemHolding: root.path)?.flushesWithSyncfs ?? false
    }

    /// Publishes complete downloads with few flushes: writes their sidecars to temporary files, flushes them
    /// (on local disks once for the batch, with the recordings, by `syncfs`; on shares each sidecar by its
    /// fsync, the recordings having been fsync'ed by `Downloader`), checks each folder stays inside the root and
    /// creates it, checks each recording's size, renames its sidecar and then the recording into place (moving a
    /// wrong-sized file aside to `.mp4.replaced-<unix time>`, never overwriting it), checks the size at the final
    /// path, and flushes the renames (on local disks one `syncfs` instead of an fsync, and a disk cache flush, per
    /// folder touched; on shares an fsync per folder).
    ///
    /// Durability comes before visibility: a recording is renamed to its final path only after its bytes were
    /// flushed, and the caller records it in the catalog only after this returns. A crash before the folder
    /// flushes may lose a rename; the partial file then is still complete, and the next run publishes it
    /// without downloading it again. A recording whose size the storage does not confirm before or after the
    /// rename is deleted, and fails with a `storage_*` code; it is not returned for the catalog, so the next run
    /// fetches it again.
    /// - Returns: per download, the recording published, or the reason it was not (`unsafe_path`, `storage_*`).
    /// - Throws: `ArchiverError.archiveUnwritable` when the archive cannot be written (the run must stop).
    func publish(
        _ downloads: [CompletedDownload]
    ) throws(ArchiverError) -> [Result<ArchivedRecording, RecordingFailure>] {
        // The drafts of recordings not published; a draft is removed from here once renamed.
        var unpublishedDrafts = Set(downloads.map(\.sidecarPath))
        defer { for path in unpublishedDrafts { unlink(path) } }
        if flushesWithSyncfs {
            try Self.flushFileSystem(
                holding: root.temporaryFolder, files: downloads.map(\.partialPath) + downloads.map(\.sidecarPath))
        }

        var results: [Result<ArchivedRecording, RecordingFailure>] = []
        var foldersToFlush = Set<String>()
        var checkedFolders: [String: ArchiveRoot.UnsafePath?] = [:]
        for download in downloads {
            let sidecarPath = download.sidecarPath
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
                results.append(.failure(unsafe.failure(sessionID: download.recording.session.id)))
                continue
            }
            let sessionID = download.recording.session.id
            var check = PublishCheck(expectedBytes: download.recording.sizeBytes)
            Self.measure(download.partialPath, at: .beforeRename, into: &check)
            if let doubt = check.doubt {
                results.append(.failure(check.discard(download.partialPath, doubt, sessionID: sessionID)))
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
            unpublishedDrafts.remove(sidecarPath)
            guard rename(download.partialPath, finalPath) == 0 else {
                throw .archiveUnwritable(path: finalPath, errno: errno)
            }
            foldersToFlush.insert(relativeFolder.isEmpty ? root.path : root.absolute(relativeFolder))
            Self.measure(finalPath, at: .afterRename, into: &check)
            if let doubt = check.doubt {
                unlink(sidecarFinalPath)  // it describes a recording that is not there
                results.append(.failure(check.discard(finalPath, doubt, sessionID: sessionID)))
                continue
            }
            results.append(.success(download.recording))
        }
        // Every final path is on the temporary folder's file system (rename(2) cannot cross file systems).
        var isSynced = false
        if flushesWithSyncfs { isSynced = try Self.syncFileSystem(holding: root.temporaryFolder) }
        if !isSynced {
            for folder in foldersToFlush.sorted() {
                try Self.flushFolder(folder)
            }
        }
        return results
    }

    /// Drafts the sidecar of a downloaded recording (`draftSidecar(for:)`), ready for `publish(_:)`. Done beside
    /// the transfers rather than in the publishing batch: on a share each write is a round trip to the server.
    /// - Throws: `ArchiverError.archiveUnwritable` when the draft cannot be written.
    func draft(_ file: DownloadedFile) throws(ArchiverError) -> CompletedDownload {
        let recording = ArchivedRecording(downloaded: file)
        let sidecarPath = try StorageWatchdog.shared.guarding("writing the sidecar of \(file.partialPath)") {
            () throws(ArchiverError) in try draftSidecar(for: recording)
        }
        return CompletedDownload(
            item: file.item, partialPath: file.partialPath, recording: recording, sidecarPath: sidecarPath)
    }

    /// Checks that `item`'s folder keeps it inside the archive root, before anything is requested: a recording
    /// whose folder is a link is not fetched at all.
    /// - Throws: `RecordingFailure` with code `unsafe_path`.
    func checkContainment(of item: DownloadPlan.Item) throws(RecordingFailure) {
        do throws(ArchiveRoot.UnsafePath) {
            try root.checkContainment(of: item.relativePath)
        } catch {
            throw error.failure(sessionID: item.session.id)
        }
    }

    /// Writes the sidecar of an archived recording whose sidecar is missing, hashing the recording on disk.
    /// - Throws: `RecordingFailure` (`unsafe_path`) or `ArchiverError.archiveUnwritable`.
    func restoreSidecar(of item: DownloadPlan.Item) throws {
        let relativePath = item.recordingPath
        let digest = try FileDigest.sha256(ofFileAt: root.absolute(relativePath))
        let archived = ArchivedRecording(
            session: item.session,
            relativePath: relativePath,
            sizeBytes: digest.sizeBytes,
            sha256: digest.hex,
            archivedAt: Date()
        )
        do {
            try writeSidecar(Sidecar.contents(for: archived), for: item.relativePath)
        } catch let error as ArchiveRoot.UnsafePath {
            throw error.failure(sessionID: item.session.id)
        }
    }

    /// Writes the sidecar of `recording` to a draft in the temporary folder, for `publish(_:)` to rename into place:
    /// flushed at once where `syncfs` cannot be trusted, else by `publish(_:)`'s `syncfs` with the batch.
    /// - Returns: the draft's path.
    /// - Throws: `ArchiverError.archiveUnwritable` when it cannot be written (nothing is left behind).
    func draftSidecar(for recording: ArchivedRecording) throws(ArchiverError) -> String {
        let path = "\(root.temporaryFolder)/sidecar-\(recording.session.id)-\(UUID().uuidString).json.part"
        try writeTemporaryFile(Sidecar.contents(for: recording), at: path, flush: !flushesWithSyncfs)
        return path
    }

    /// Measures the file at `path` (not followed if it is a link) for `check`.
    private static func measure(_ path: String, at stage: PublishCheck.Stage, into check: inout PublishCheck) {
        var info = stat()
        if lstat(path, &info) == 0 {
            check.measured(stage, bytes: Int(info.st_size))
        } else {
            check.measured(stage, bytes: nil, errno: errno)
        }
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
            try modeCheck.verifyFolder(folder, has: permissions.folderMode)
            foldersToFlush.insert(String(folder[..<folder.lastIndex(of: "/")!]))
        }
        return nil
    }

    /// Flushes everything written to the file system holding `folder`, data and metadata (`syncfs`).
    /// - Returns: false when the file system cannot be flushed that way, and each file and folder needs its fsync.
    static func syncFileSystem(holding folder: String) throws(ArchiverError) -> Bool {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .archiveUnwritable(path: folder, errno: errno) }
        let isSynced = syncfs(descriptor) == 0
        guard close(descriptor) == 0 else { throw .archiveUnwritable(path: folder, errno: errno) }
        return isSynced
    }

    /// Makes the temporary `files` durable: one `syncfs` of their file system, or, where that fails, an
    /// fsync of each.
    static func flushFileSystem(holding folder: String, files: [String]) throws(ArchiverError) {
        if try syncFileSystem(holding: folder) { return }
        for file in files {
            let fileDescriptor = open(file, O_RDONLY | O_CLOEXEC)
            guard fileDescriptor >= 0 else { throw .archiveUnwritable(path: file, errno: errno) }
            try flushAndClose(fileDescriptor, of: file)
        }
    }

    /// Creates `path` with the configured file mode exactly and writes `contents`, fsync'ing it when `flush`;
    /// the fsync and the close are checked, and the file is deleted when either fails.
    private func writeTemporaryFile(_ contents: [UInt8], at path: String, flush: Bool) throws(ArchiverError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions.fileMode))
        guard descriptor >= 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        var failure: ArchiverError?
        do {
            // open applies the umask; the configured mode is meant exactly.
            try modeCheck.apply(permissions.fileMode, to: descriptor, at: path)
        } catch {
            failure = error
        }
        if failure == nil,
            let writeErrno = contents.withUnsafeBytes({ FileDescriptorWriting.writeAll($0, to: descriptor) })
        {
            failure = .archiveUnwritable(path: path, errno: writeErrno)
        }
        if failure == nil, flush, fsync(descriptor) != 0 { failure = .archiveUnwritable(path: path, errno: errno) }
        // A share may report a lost write only here; a failed close after an earlier failure adds nothing.
        if close(descriptor) != 0, failure == nil { failure = .archiveUnwritable(path: path, errno: errno) }
        if let failure {
            unlink(path)
            throw failure
        }
    }

    /// Writes `item`'s sidecar atomically: temporary file, checked fsync and close, rename, folder flush.
    /// - Throws: `ArchiveRoot.UnsafePath` (nothing is written) or `ArchiverError.archiveUnwritable`.
    func writeSidecar(_ contents: [UInt8], for relativePath: String) throws {
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
        try flushAndClose(descriptor, of: path)
    }

    /// fsyncs and closes `descriptor` (of `path`), both checked; the descriptor is closed either way.
    private static func flushAndClose(_ descriptor: Int32, of path: String) throws(ArchiverError) {
        let flushFailure = fsync(descriptor) == 0 ? nil : errno
        let closeFailure = close(descriptor) == 0 ? nil : errno
        if let failure = flushFailure ?? closeFailure { throw .archiveUnwritable(path: path, errno: failure) }
    }
}
