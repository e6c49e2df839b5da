import Glibc
import Logging

/// Re-reads archived recordings and checks each one's size and SHA-256 against the catalog, in a folder or in a
/// bucket (`VerifiedRecordings`).
///
/// In a folder, files are read in large sequential blocks (`FileDigest`), in path order so that a NAS reads folder by
/// folder. A file of the wrong size is reported as truncated without being read; one that cannot be opened
/// is reported as missing, with the reason. The whole archive is also walked (cheap: no file is read) for
/// `.mp4` files that the catalog lacks, which a run stopped between publishing and cataloguing leaves behind.
public struct Verifier: Sendable {
    /// How far a verification has come, for a progress line.
    public struct Progress: Sendable, Equatable {
        var filesChecked: Int
        var totalFiles: Int
        var bytesChecked: Int
        var totalBytes: Int

        /// `verifying: 3/10 files, 1.5 MiB of 4.0 MiB`.
        public var line: String {
            "verifying: \(filesChecked)/\(totalFiles) files, "
                + "\(ByteCount.format(bytesChecked)) of \(ByteCount.format(totalBytes))"
        }
    }

    /// What is wrong with one recording.
    enum Finding: CustomStringConvertible {
        case missing(VerifyReport.Problem)
        case truncated(VerifyReport.Problem)
        case corrupted(VerifyReport.Problem)

        var description: String {
            switch self {
            case .missing(let problem), .truncated(let problem), .corrupted(let problem): problem.reason
            }
        }
    }

    let recordings: any VerifiedRecordings
    let catalog: Catalog
    let logger: Logger

    /// Creates a verifier of the archive at `root` against `catalog`.
    init(root: ArchiveRoot, catalog: Catalog, logger: Logger) {
        self.init(recordings: FolderRecordings(root: root), catalog: catalog, logger: logger)
    }

    /// Creates a verifier of `recordings` against `catalog`.
    init(recordings: any VerifiedRecordings, catalog: Catalog, logger: Logger) {
        self.recordings = recordings
        self.catalog = catalog
        self.logger = logger
    }

    /// Checks every catalog entry, or `sample` random ones.
    /// - Parameters:
    ///   - sample: How many random entries to check; `nil` (or more than there are) for all.
    ///   - progress: Called as files and blocks are read, at most about ten times a second, and once at the end.
    /// - Throws: `ArchiverError.catalogUnavailable` when the catalog cannot be read.
    func verify(
        sample: Int? = nil,
        progress: (Progress) -> Void = { _ in }
    ) async throws(ArchiverError) -> VerifyReport {
        let all = try catalog.entries()
        var chosen = all
        if let sample, sample < all.count { chosen = Array(all.shuffled().prefix(max(0, sample))) }
        chosen.sort { $0.relativePath < $1.relativePath }

        var report = VerifyReport(catalogEntries: all.count)
        var state = Progress(
            filesChecked: 0, totalFiles: chosen.count, bytesChecked: 0,
            totalBytes: chosen.reduce(0) { $0 + $1.sizeBytes })
        let clock = ContinuousClock()
        var lastReport = clock.now
        func emit(_ current: Progress, force: Bool = false) {
            let now = clock.now
            guard force || now - lastReport >= .milliseconds(100) else { return }
            lastReport = now
            progress(current)
        }
        emit(state, force: true)
        for entry in chosen {
            let before = state.bytesChecked
            let problem = await recordings.check(entry) { bytesRead in
                state.bytesChecked = before + bytesRead
                emit(state)
            }
            state.filesChecked += 1
            emit(state)
            report.checked += 1
            guard let problem else {
                report.ok += 1
                continue
            }
            switch problem {
            case .missing(let problem): report.missing.append(problem)
            case .truncated(let problem): report.truncated.append(problem)
            case .corrupted(let problem): report.corrupted.append(problem)
            }
            logger.warning(
                "recording damaged",
                metadata: [
                    "session.id": "\(entry.sessionID)", "path": "\(entry.relativePath)", "problem": "\(problem)",
                ]
            )
        }
        report.bytesChecked = state.bytesChecked
        report.notCatalogued = try await recordings.uncataloguedFiles(catalogued: Set(all.map(\.relativePath)))
        for file in report.notCatalogued {
            logger.warning(
                "recording not in the catalog", metadata: ["path": "\(file.path)", "sidecar": "\(file.hasSidecar)"])
        }
        emit(state, force: true)
        return report
    }
}

/// The recordings a `Verifier` checks: where they are read from, and how the archive is searched for recordings the
/// catalog lacks.
protocol VerifiedRecordings: Sendable {
    /// Checks one recording against its catalog entry, calling `progress` with the bytes read so far.
    /// - Returns: what is wrong with it; nil when it matches.
    func check(_ entry: CatalogEntry, progress: (Int) -> Void) async -> Verifier.Finding?

    /// The recordings in the archive whose paths are not in `catalogued`, by path.
    func uncataloguedFiles(catalogued: Set<String>) async throws(ArchiverError) -> [VerifyReport.UncataloguedFile]
}

/// The recordings of a folder: read in large sequential blocks, the tree walked for files the catalog lacks.
struct FolderRecordings: VerifiedRecordings {
    let root: ArchiveRoot

    /// The `.mp4` files below the root (not in the tool's own folder) whose path is not in `catalogued`, by path.
    func uncataloguedFiles(catalogued: Set<String>) -> [VerifyReport.UncataloguedFile] {
        let suffix = ".\(DownloadPlanner.recordingExtension)"
        var files: [VerifyReport.UncataloguedFile] = []
        DirectoryWalker.visitFiles(under: root.path, descends: { $0 != ArchiveRoot.stateFolderName }) { path in
            if path.hasSuffix(suffix), !catalogued.contains(path) {
                let sidecar = "\(path.dropLast(suffix.count)).\(DownloadPlanner.sidecarExtension)"
                files.append(VerifyReport.UncataloguedFile(path: path, hasSidecar: root.fileSize(sidecar) != nil))
            }
            return true
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Checks one recording; `nil` when it matches the catalog.
    func check(_ entry: CatalogEntry, progress: (Int) -> Void) -> Verifier.Finding? {
        func problem(_ reason: String) -> VerifyReport.Problem {
            VerifyReport.Problem(sessionID: entry.sessionID, path: entry.relativePath, reason: reason)
        }
        let path = root.absolute(entry.relativePath)
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            return .missing(problem(reason))
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return .missing(problem("not a regular file")) }
        guard Int(info.st_size) == entry.sizeBytes else {
            return .truncated(problem("size \(info.st_size) bytes, expected \(entry.sizeBytes)"))
        }
        let digest: (hex: String, sizeBytes: Int)
        do throws(ArchiverError) {
            digest = try FileDigest.sha256(ofFileAt: path, progress: progress)
        } catch {
            guard case .archiveUnwritable(_, let code) = error else { return .missing(problem("\(error)")) }
            return .missing(problem("cannot be read: \(String(cString: strerror(code)))"))
        }
        guard digest.sizeBytes == entry.sizeBytes else {
            return .truncated(problem("size \(digest.sizeBytes) bytes, expected \(entry.sizeBytes)"))
        }
        guard digest.hex == entry.sha256 else {
            return .corrupted(problem("SHA-256 \(digest.hex), expected \(entry.sha256)"))
        }
        return nil
    }
}
