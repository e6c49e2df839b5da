import Curl
import FoundationEssentials
import Logging
import ObjectStorage

/// The archive a run works on, checked and locked: a folder, or an S3 bucket whose run lock, catalog and spool of
/// partial downloads live in the local state folder. The rest of the run asks it what it holds and for the store
/// that files recordings into it, and never needs to know which it is.
enum RunArchive: Sendable {
    /// A folder on a local disk or a mounted share.
    case folder(ArchiveRoot)
    /// A bucket, with the local folder that holds partial downloads and reads.
    case bucket(BucketStore, spoolFolder: String)

    /// How long a multipart upload an interrupted run left behind is kept before it is aborted: a day, far longer
    /// than any run takes.
    static let staleUploadAge = Duration.seconds(86_400)

    /// The folder whose lock keeps two runs apart: the archive root, or the state folder of a bucket (created if
    /// missing).
    static func lockFolder(_ configuration: ArchiverConfiguration) throws(ArchiverError) -> ArchiveRoot {
        guard configuration.bucket != nil else { return try ArchiveRoot.checked(configuration) }
        try CatalogAccess.createFolder(
            configuration.stateDirectory, mode: configuration.permissions.folderMode, for: configuration.catalogPath)
        return try ArchiveRoot(path: configuration.stateDirectory)
    }

    /// The archive of `configuration`, locked by `lockFolder`, reached through `transport`.
    init(
        _ configuration: ArchiverConfiguration, lockFolder: ArchiveRoot, transport: CurlMulti, logger: Logger
    ) {
        guard let location = configuration.bucket else {
            self = .folder(lockFolder)
            return
        }
        let client = S3Client(
            endpoint: location.endpoint, credentials: location.credentials, curl: transport,
            userAgent: "getscreen-archiver/\(ToolVersion.current)",
            connectTimeout: configuration.connectTimeout, stallTimeout: configuration.stallTimeout)
        self = .bucket(
            BucketStore(location: location, client: client, retryPolicy: configuration.retryPolicy, logger: logger),
            spoolFolder: "\(configuration.stateDirectory)/spool")
    }

    /// The archive as the configuration names it: the root's path, or `s3://BUCKET/PREFIX/`.
    var location: String {
        switch self {
        case .folder(let root): root.path
        case .bucket(let store, _): store.location.uri
        }
    }

    /// Whether the archive is in a bucket.
    var isBucket: Bool {
        if case .bucket = self { return true }
        return false
    }

    /// Where partial downloads wait until they are filed.
    var partialFolder: String {
        switch self {
        case .folder(let root): root.temporaryFolder
        case .bucket(_, let spoolFolder): spoolFolder
        }
    }

    /// The folder on the file system that partial downloads fill: its free space is what a run checks.
    var spaceFolder: String {
        switch self {
        case .folder(let root): root.path
        case .bucket(_, let spoolFolder): spoolFolder.deletingLastPathComponent
        }
    }

    /// Creates the folder of partial downloads where it is missing: the archive root's `.getscreen-archiver/tmp`
    /// (never through a link), or a bucket's spool in the state folder.
    func createPartialFolder(_ configuration: ArchiverConfiguration) throws(ArchiverError) {
        let mode = configuration.permissions.folderMode
        switch self {
        case .folder(let root):
            try StorageWatchdog.shared.guarding("creating \(root.temporaryFolder)") { () throws(ArchiverError) in
                _ = try root.createFolders("\(ArchiveRoot.stateFolderName)/tmp", mode: mode)
            }
        case .bucket(_, let spoolFolder):
            try CatalogAccess.createFolder(spoolFolder, mode: mode, for: configuration.catalogPath)
        }
    }

    /// How a run publishes into this archive. A folder, one batch at a time: its flushes and renames go to one
    /// disk. A bucket, two batches side by side with `transfers` uploads between them, so that a slow upload holds
    /// back only its own batch (each batch is one catalog transaction: one per recording cost more than the
    /// uploads); its spool is on the local disk, so downloads wait while `transfers` recordings wait for theirs.
    func publishPipeline<Planned, Completed>(
        _ items: [Planned], transfers: Int
    ) -> PublishPipeline<Planned, Completed> {
        switch self {
        case .folder: PublishPipeline(items, transfers: transfers)
        case .bucket: PublishPipeline(items, transfers: transfers, waitingLimit: transfers, concurrentBatches: 2)
        }
    }

    /// The size of the recording or sidecar at each path below the root, for planning: the folder's files as they
    /// are looked up, or one listing of the bucket's prefix (ListObjectsV2, paged) taken now.
    /// - Throws: `ArchiverError` when the bucket cannot be listed (a wrong key, a missing bucket).
    func sizeReader() async throws(ArchiverError) -> (String) -> Int? {
        switch self {
        case .folder(let root):
            return root.fileSizeReader()
        case .bucket(let store, _):
            let sizes: [String: Int]
            do {
                sizes = Dictionary(try await store.objects().map { ($0.relativePath, $0.sizeBytes) }) { $1 }
            } catch let error as S3Error {
                throw error.archiverError
            } catch {
                throw .interrupted(archived: 0)
            }
            return { sizes[$0] }
        }
    }

    /// The store that files recordings into the archive, ready for a run that writes: for a bucket, the multipart
    /// uploads that interrupted runs left behind more than `staleUploadAge` ago are aborted first.
    func recordingStore(
        _ configuration: ArchiverConfiguration, modeCheck: ModeCheck
    ) async throws(ArchiverError) -> any RecordingStore {
        switch self {
        case .folder(let root):
            return Filer(root: root, permissions: configuration.permissions, modeCheck: modeCheck)
        case .bucket(let store, let spoolFolder):
            var sizing = configuration.partSizing
            sizing.concurrentParts = configuration.transfers
            let uploads = BucketUploads(store: store, sizing: sizing)
            let unfinished: [String: [MultipartUpload]]
            do {
                unfinished = try await uploads.unfinished()
            } catch let error as S3Error {
                throw error.archiverError
            } catch {
                throw .interrupted(archived: 0)
            }
            let left = await uploads.abortStale(unfinished, olderThan: Self.staleUploadAge)
            return BucketFiler(
                uploads: uploads, spoolFolder: spoolFolder, slots: UploadSlots(configuration.transfers),
                concurrentUploads: configuration.transfers, unfinishedUploads: left)
        }
    }

    /// Whether partial downloads must each be flushed when sealed: on shares, where one `syncfs` of the batch does
    /// not reach the server. A bucket's spool needs no flush: the store checks every byte it receives.
    var flushesEachFile: Bool {
        switch self {
        case .folder(let root): !Filer.flushesWithSyncfs(root)
        case .bucket: false
        }
    }
}
