import CLinux
import Curl
import FoundationEssentials
import Glibc
import Logging

/// Downloads what a plan lacks with a bounded number of concurrent transfers, publishes each recording with its
/// sidecar, and reports on the run. Shared by `sync` and `fetch`; built whole by its initializer.
struct ArchiveJob: Sendable {
    let configuration: ArchiverConfiguration
    /// The archive the recordings are filed into: a folder or a bucket.
    let archive: RunArchive
    /// The run's lock, whose lease the run takes once it starts writing.
    let lock: RunLock
    let transport: CurlMulti
    let progress: any RunProgressObserver
    /// Called with each batch of recordings once they are durable and in place (to add them to the catalog, in
    /// one transaction); an error stops the run.
    let recordArchived: @Sendable ([ArchivedRecording]) throws(ArchiverError) -> Void
    /// Finds a fresh URL for a recording whose media URL was refused (403).
    let refreshURL: Downloader.URLRefresher
    /// Whether the run plans every listed recording (sync), so that partial files of recordings it does not
    /// download are stale; a run for one recording (fetch) leaves other partial files for the next sync.
    let plansWholeListing: Bool
    let logger: Logger

    /// Downloads what `plan` lacks and reports on the run; `listingInterruption` is why the listing stopped early.
    func run(
        plan: DownloadPlan,
        invalidItems: [InvalidSessionItem],
        listingInterruption: ArchiverError? = nil,
        startedAt: Date
    ) async throws(ArchiverError) -> RunReport {
        var report = RunReport(planned: plan, invalidItems: invalidItems, startedAt: startedAt)
        logger.info(
            "planned",
            metadata: [
                "listed": "\(report.listed)", "archived": "\(plan.archivedCount)",
                "to_download": "\(plan.downloadCount)", "bytes": "\(plan.downloadBytes)",
            ]
        )
        try prepareArchive(resuming: plan.downloads)
        let modeCheck = ModeCheck(logger: logger)
        let store = try await archive.recordingStore(configuration, modeCheck: modeCheck)
        progress.runPlanned(recordings: plan.downloads.count, bytes: plan.downloadBytes)
        try await repairArchived(plan, with: store, into: &report)
        do {
            try await download(
                plan.downloads, with: makeDownloader(modeCheck: modeCheck), store: store, into: &report)
        } catch {
            if case .insufficientSpace = error { removeStaleTemporaryFiles(keeping: []) }
            throw error
        }
        if let listingInterruption {
            report.runError =
                "\(listingInterruption); the listing stopped there: the recordings listed until then were processed, "
                + "the rest is left for the next run (the sync watermark stays)"
            report.runErrorCode = listingInterruption.code
        }
        report.agents = AgentRunCounts.tally(plan, failures: report.failures, isDryRun: false)
        report.failed = report.failures.count
        report.finishedAt = Date()
        return report
    }

    /// Readies the archive for writing: gives the listing's freed memory back, creates the partial folder (in the
    /// archive root, or a bucket's spool in the state folder), takes the lock's lease, warns of low space, and
    /// removes stale temporary files (keeping the partial files of `downloads`, which resume).
    private func prepareArchive(resuming downloads: [DownloadPlan.Item]) throws(ArchiverError) {
        // The listing's pages and the sessions it dropped are freed by now: give their pages back before the
        // transfers start, instead of keeping them resident for the whole run.
        malloc_trim(0)
        try archive.createPartialFolder(configuration)
        try lock.claimLease(
            fileMode: configuration.permissions.fileMode, folderMode: configuration.permissions.folderMode)
        let space = FileSystemSpace.of(archive.spaceFolder, assumingWhereUnreported: configuration.assumedFreeBytes)
        if let warning = space?.warning { logger.warning("\(warning)") }
        if plansWholeListing { removeStaleTemporaryFiles(keeping: downloads) }
    }

    /// A downloader into the archive's partial folder, with the configuration's settings.
    private func makeDownloader(modeCheck: ModeCheck) -> Downloader {
        Downloader(
            transport: transport,
            settings: configuration.downloaderSettings,
            partialFolder: archive.partialFolder,
            flushesEachFile: archive.flushesEachFile,
            storage: StorageGuard(
                path: archive.spaceFolder, minimumFreeBytes: configuration.minimumFreeBytes,
                assumedFreeBytes: configuration.assumedFreeBytes),
            modeCheck: modeCheck,
            refreshURL: refreshURL,
            progress: progress,
            logger: logger
        )
    }

    /// Repairs archived recordings without fetching anything: writes their missing sidecars, then catalogues the
    /// ones the catalog lacks (after the sidecars, so that a recording that had neither sidecar nor catalog row is
    /// catalogued with the digest its new sidecar records).
    private func repairArchived(
        _ plan: DownloadPlan,
        with store: any RecordingStore,
        into report: inout RunReport
    ) async throws(ArchiverError) {
        for item in plan.missingSidecars {
            do {
                try await store.restoreSidecar(of: item)
            } catch let failure as RecordingFailure {
                report.failures.append(failure)
            } catch let error as ArchiverError {
                throw error
            } catch {
                throw .archiveUnwritable(path: "\(archive.location)/\(item.relativePath)", errno: EIO)
            }
        }
        try await catalogueFromDisk(plan.uncatalogued, with: store, into: &report)
    }

    /// Catalogues the archived recordings the catalog lacks, in one transaction, once `CatalogHealer` has checked
    /// them against their sidecars; those that fail the check are reported.
    private func catalogueFromDisk(
        _ items: [DownloadPlan.Item],
        with store: any RecordingStore,
        into report: inout RunReport
    ) async throws(ArchiverError) {
        guard !items.isEmpty else { return }
        var recordings: [ArchivedRecording] = []
        for result in try await CatalogHealer(store: store, logger: logger).check(items) {
            switch result {
            case .success(let recording): recordings.append(recording)
            case .failure(let failure): report.failures.append(failure)
            }
        }
        try recordArchived(recordings)
        report.recatalogued = recordings.count
    }

    /// Deletes what earlier runs left in the temporary folder, except the partial downloads of `items`, which
    /// resume. Called with the run's lock held, so no other run is using the folder.
    private func removeStaleTemporaryFiles(keeping items: [DownloadPlan.Item]) {
        let resumable = Set(items.map { Downloader.partialFileName(for: $0.session) })
        let folder = archive.partialFolder
        StorageWatchdog.shared.guarding("removing stale temporary files in \(folder)") {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where !resumable.contains(name) {
                logger.debug("removing a stale temporary file", metadata: ["file": "\(name)"])
                unlink("\(folder)/\(name)")
            }
        }
    }

    /// Runs the downloads, at most `transfers` at a time, adding the next as one finishes, and publishes the
    /// complete ones concurrently, in groups: while one group is being flushed and moved into place, the
    /// downloads that complete meanwhile wait, and they form the next group. `PublishPipeline` decides which.
    private func download(
        _ items: [DownloadPlan.Item],
        with downloader: Downloader,
        store: any RecordingStore,
        into report: inout RunReport
    ) async throws(ArchiverError) {
        let publisher = Publisher(store: store, recordArchived: recordArchived, logger: logger)
        var pipeline: PublishPipeline<DownloadPlan.Item, CompletedDownload> = archive.publishPipeline(
            items, transfers: configuration.transfers)
        await withTaskGroup(of: JobEvent.self) { group in
            for item in pipeline.start() { addDownload(of: item, with: downloader, store: store, to: &group) }
            while let event = await group.next() {
                if Task.isCancelled { pipeline.runCancelled() }
                let next: PublishPipeline<DownloadPlan.Item, CompletedDownload>.Next
                switch event {
                case .downloaded(.success(let download)):
                    next = pipeline.downloadSucceeded(download)
                case .downloaded(.failure(let failure as RecordingFailure)):
                    logger.warning(
                        "recording failed",
                        metadata: ["session.id": "\(failure.sessionID ?? 0)", "reason": "\(failure.reason)"])
                    report.failures.append(failure)
                    next = pipeline.downloadFailed()
                case .downloaded(.failure(let error as ArchiverError)):
                    next = pipeline.downloadStoppedRun(error)
                case .downloaded(.failure):
                    // Cancellation (a signal): in-flight transfers abort and keep their files.
                    next = pipeline.downloadFailed()
                case .published(let outcome):
                    report.failures += outcome.failures
                    report.downloaded += outcome.archived.count
                    report.bytesDownloaded += outcome.archived.reduce(0) { $0 + $1.sizeBytes }
                    next = pipeline.batchPublished(stoppingRunWith: outcome.error)
                }
                if let batch = next.batch { group.addTask { .published(await publisher.publish(batch)) } }
                switch next.downloads {
                case .unchanged: break
                case .start(let items):
                    for item in items { addDownload(of: item, with: downloader, store: store, to: &group) }
                case .cancelAll: group.cancelAll()
                }
            }
        }
        if let error = pipeline.error { throw error }
        if Task.isCancelled { throw .interrupted(archived: report.downloaded) }
    }

    /// Adds the download of `item` to `group` (its folder checked first, its sidecar drafted once it is complete),
    /// reporting its end to the progress observer.
    private func addDownload(
        of item: DownloadPlan.Item,
        with downloader: Downloader,
        store: any RecordingStore,
        to group: inout TaskGroup<JobEvent>
    ) {
        let progress = progress
        group.addTask {
            do {
                try store.checkContainment(of: item)
                let download = try store.draft(await downloader.download(item))
                progress.transferFinished(sessionID: item.session.id, outcome: .success(download.recording.sizeBytes))
                return .downloaded(.success(download))
            } catch {
                if let failure = error as? RecordingFailure {
                    progress.transferFinished(sessionID: item.session.id, outcome: .failure(failure))
                }
                return .downloaded(.failure(error))
            }
        }
    }
}

/// What a child task of the download loop came to.
private enum JobEvent: Sendable {
    case downloaded(Result<CompletedDownload, any Error>)
    case published(Publisher.Outcome)
}

/// Makes a group of complete downloads durable and visible (`RecordingStore.file`: the flushes and renames of a
/// folder, the uploads of a bucket), then records them in one catalog transaction.
private struct Publisher: Sendable {
    struct Outcome: Sendable {
        var archived: [ArchivedRecording] = []
        var failures: [RecordingFailure] = []
        /// Set when the archive or the catalog could not be written: the run must stop.
        var error: ArchiverError?
    }

    let store: any RecordingStore
    let recordArchived: @Sendable ([ArchivedRecording]) throws(ArchiverError) -> Void
    let logger: Logger

    func publish(_ downloads: [CompletedDownload]) async -> Outcome {
        var outcome = Outcome()
        do throws(ArchiverError) {
            var recordings: [ArchivedRecording] = []
            let published = try await store.file(downloads)
            for result in published {
                switch result {
                case .success(let recording):
                    recordings.append(recording)
                    logger.info(
                        "archived",
                        metadata: [
                            "session.id": "\(recording.session.id)", "path": "\(recording.relativePath)",
                            "bytes": "\(recording.sizeBytes)",
                        ])
                case .failure(let failure):
                    logger.warning(
                        "recording not filed",
                        metadata: ["session.id": "\(failure.sessionID ?? 0)", "reason": "\(failure.reason)"])
                    outcome.failures.append(failure)
                }
            }
            try StorageWatchdog.shared.guarding("writing \(recordings.count) recordings to the catalog") {
                () throws(ArchiverError) in try recordArchived(recordings)
            }
            outcome.archived = recordings
        } catch {
            outcome.error = error
        }
        return outcome
    }
}
