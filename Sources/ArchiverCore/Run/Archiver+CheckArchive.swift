import Curl
import FoundationEssentials
import Glibc
import Logging
import ObjectStorage

extension Archiver {
    /// The archive's side of `check`: root, mount, free space, lock and catalog, each only read (the root's write
    /// probe leaves nothing behind).
    static func checkArchive(_ configuration: ArchiverConfiguration, logger: Logger, into list: inout CheckList) {
        let path = configuration.archiveRoot
        let root: ArchiveRoot?
        do {
            let existing = try ArchiveRoot(path: path)
            root = existing
            if let failure = probeWriting(in: existing.path) {
                list.append(
                    .failed, "archive root \(path) exists but is not writable: \(String(cString: strerror(failure)))",
                    fix: "let the user that runs the archiver write it (and mount the share read-write)")
            } else {
                list.append(.ok, "archive root \(path) exists and is writable (probed with a file that was removed)")
            }
        } catch {
            root = nil
            list.append(.failed, "\(error)")
        }
        checkMount(configuration, rootExists: root != nil, into: &list)
        guard let root else {
            list.append(.skipped, "free space not checked: the archive root is missing")
            list.append(.skipped, "lock not checked: the archive root is missing")
            checkCatalog(configuration, logger: logger, into: &list)
            return
        }
        checkFreeSpace(configuration, into: &list)
        checkLock(root, logger: logger, into: &list)
        checkCatalog(configuration, logger: logger, into: &list)
    }

    /// The archive's side of `check` for a bucket: one listing request (the endpoint answers, the key and its
    /// signature are accepted, the bucket exists and may be listed), then the lock and the catalog in the local
    /// state folder. Nothing is written to the bucket.
    static func checkBucket(
        _ bucket: BucketLocation,
        _ configuration: ArchiverConfiguration,
        transport: CurlMulti,
        logger: Logger,
        into list: inout CheckList
    ) async {
        let client = S3Client(endpoint: bucket.endpoint, credentials: bucket.credentials, curl: transport)
        do {
            let page = try await client.listObjectsV2(bucket: bucket.bucket, prefix: bucket.prefix, maxKeys: 1)
            list.append(
                .ok,
                "bucket \(bucket.uri) at \(bucket.endpoint.url) answers and accepts access key "
                    + "\(bucket.credentials.accessKeyID)" + (page.objects.isEmpty ? " (it holds nothing yet)" : ""))
        } catch {
            list.append(.failed, "\(error)")
        }
        do {
            checkLock(try RunArchive.lockFolder(configuration), logger: logger, into: &list)
        } catch {
            list.append(.failed, "lock: \(error)", fix: "set state_dir to a local folder this user may write")
        }
        checkCatalog(configuration, logger: logger, into: &list)
    }

    /// Whether a file can be created in `folder`, leaving none: an unnamed `O_TMPFILE` file, gone at its close;
    /// where the file system lacks those (NFS, SMB, FUSE), a named file removed at once.
    /// - Returns: the `errno` of the failure; nil when the folder is writable.
    static func probeWriting(in folder: String) -> Int32? {
        let unnamed = open(folder, temporaryFileFlag | O_WRONLY | O_CLOEXEC, 0o600)
        if unnamed >= 0 {
            close(unnamed)
            return nil
        }
        guard [EOPNOTSUPP, EISDIR, EINVAL].contains(errno) else { return errno }
        let probe = "\(folder)/.getscreen-archiver-check-\(getpid())"
        let named = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard named >= 0 else { return errno }
        close(named)
        return unlink(probe) == 0 ? nil : errno
    }

    /// `O_TMPFILE`, which Swift does not import (a macro built from other macros): `__O_TMPFILE` is 020000000 in
    /// the kernel's generic fcntl.h, used by x86_64 and arm64, with `O_DIRECTORY`.
    private static let temporaryFileFlag = 0o20_000_000 | O_DIRECTORY

    private static func checkMount(_ configuration: ArchiverConfiguration, rootExists: Bool, into list: inout CheckList)
    {
        let requirement = configuration.mountRequirement
        let path = configuration.archiveRoot
        let required: String
        switch requirement {
        case .none:
            list.append(.ok, "mount: not required (archive.require_mount is false)")
            return
        case .rootIsMountPoint: required = "archive root \(path) is a mount point"
        case .mountPoint(let mountPoint): required = "\(mountPoint) is a mount point holding archive root \(path)"
        }
        do {
            _ = try ArchiveRoot(path: path, mount: requirement)
            list.append(.ok, "mount: \(required) (archive.require_mount)")
        } catch .archiveRootMissing {
            list.append(.skipped, "mount: not checked below \(path): the archive root is missing")
        } catch {
            list.append(.failed, "mount: \(error)")
        }
    }

    private static func checkFreeSpace(_ configuration: ArchiverConfiguration, into list: inout CheckList) {
        let path = configuration.archiveRoot
        guard let space = FileSystemSpace.of(path, assumingWhereUnreported: configuration.assumedFreeBytes) else {
            list.append(
                .failed, "free space of \(path) not readable: \(String(cString: strerror(errno)))",
                fix: "check the mount of the archive")
            return
        }
        let minimum = configuration.minimumFreeBytes
        guard let free = space.freeBytes else {
            list.append(.warning, "free space: not reported by the archive's file system", fix: space.warning)
            return
        }
        let assumed = space == .assumed(free) ? " (assumed: archive.assume_free)" : ""
        if free > minimum {
            list.append(
                .ok,
                "free space: \(ByteCount.format(free)) free\(assumed), archive.min_free \(ByteCount.format(minimum))")
        } else {
            list.append(
                .failed,
                "free space: \(ByteCount.format(free)) free\(assumed), not above archive.min_free "
                    + ByteCount.format(minimum),
                fix: "free some space on the archive, or lower archive.min_free")
        }
    }

    /// Takes the run lock as a run would and releases it at once: taking it writes nothing, and it is the one
    /// place that knows what "busy" means (a `flock` held on this machine, a live lease from another).
    private static func checkLock(_ root: ArchiveRoot, logger: Logger, into list: inout CheckList) {
        do {
            let lock = try RunLock.acquire(root, logger: logger)
            lock.release()
            list.append(.ok, "lock: free")
        } catch .archiveBusy(let holder) {
            list.append(
                .failed, "lock: another run holds the archive (\(holder))",
                fix: "wait for it to finish, or check that it is still alive")
        } catch {
            list.append(.failed, "lock: \(error)", fix: "check the archive root's permissions")
        }
    }

    private static func checkCatalog(_ configuration: ArchiverConfiguration, logger: Logger, into list: inout CheckList)
    {
        let path = configuration.catalogPath
        do {
            guard let catalog = try CatalogAccess.openExisting(configuration, readOnly: true, logger: logger) else {
                list.append(.ok, "catalog: none yet at \(path); the first sync creates it")
                return
            }
            let watermark = try catalog.lastSuccessfulSync()
            list.append(
                .ok,
                "catalog \(catalog.path) readable; "
                    + (watermark.map { "watermark \($0.iso8601UTC)" }
                        ?? "no watermark yet: the next sync lists all history"))
        } catch {
            list.append(.failed, "\(error)")
        }
    }
}
