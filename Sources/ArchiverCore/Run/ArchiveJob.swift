import Curl
import Foundation
import Logging

/// Plans listed sessions against the archive and, unless it is a dry run, downloads what is missing with a
/// bounded number of concurrent transfers. Shared by `sync` and `fetch`.
struct ArchiveJob: Sendable {
    let configuration: ArchiverConfiguration
    let root: ArchiveRoot
    let transport: CurlMulti
    let progress: any RunProgressObserver
    /// Called for each recording once it is filed (to add it to the catalog); an error stops the run.
    var recordArchived: @Sendable (ArchivedRecording) throws(ArchiverError) -> Void = { _ throws(ArchiverError) in }
    let logger: Logger

    func run(
        sessions: [Session],
        invalidItems: [InvalidSessionItem],
        isDryRun: Bool,
        startedAt: Date
    ) async throws(ArchiverError) -> RunReport {
        let planner = DownloadPlanner(layout: configuration.layout, timeZone: configuration.timeZone)
        let plan = planner.plan(sessions, fileSize: root.fileSize)
        var report = RunReport(
            isDryRun: isDryRun,
            startedAt: startedAt,
            finishedAt: startedAt,
            listed: sessions.count + invalidItems.count,
            downloaded: 0,
            skipped: plan.archived.count,
            failed: 0,
            bytesDownloaded: 0,
            failures: invalidItems.map {
                RecordingFailure(
                    sessionID: $0.sessionID, code: "invalid_item", reason: "unusable API item: \($0.reason)")
            }
        )
        logger.info(
            "planned",
            metadata: [
                "listed": "\(report.listed)", "archived": "\(plan.archived.count)",
                "to_download": "\(plan.downloads.count)", "bytes": "\(plan.downloadBytes)",
            ]
        )
        if isDryRun {
            report.wouldDownload = plan.downloads.count
            report.wouldDownloadBytes = plan.downloadBytes
        } else {
            try root.createFolders("\(ArchiveRoot.stateFolderName)/tmp")
            let downloader = Downloader(
                transport: transport,
                key: configuration.apiKey,
                policy: MediaURLPolicy(
                    mediaHosts: configuration.mediaHosts, allowsInsecureHTTP: configuration.allowInsecureHTTP),
                root: root,
                progress: progress,
                logger: logger
            )
            progress.runPlanned(recordings: plan.downloads.count, bytes: plan.downloadBytes)
            for item in plan.missingSidecars {
                try downloader.restoreSidecar(of: item)
            }
            try await download(plan.downloads, with: downloader, into: &report)
        }
        report.failed = report.failures.count
        report.finishedAt = Date()
        return report
    }

    /// Runs the downloads, at most `transfers` at a time, adding the next as one finishes.
    private func download(
        _ items: [DownloadPlan.Item],
        with downloader: Downloader,
        into report: inout RunReport
    ) async throws(ArchiverError) {
        var fatal: ArchiverError?
        await withTaskGroup(of: Result<ArchivedRecording, any Error>.self) { group in
            var pending = items.makeIterator()
            func startNext() -> Bool {
                guard let item = pending.next() else { return false }
                group.addTask {
                    do {
                        let recording = try await downloader.download(item)
                        progress.transferFinished(sessionID: item.session.id, outcome: .success(recording.sizeBytes))
                        return .success(recording)
                    } catch {
                        if let failure = error as? RecordingFailure {
                            progress.transferFinished(sessionID: item.session.id, outcome: .failure(failure))
                        }
                        return .failure(error)
                    }
                }
                return true
            }
            for _ in 0..<configuration.transfers where !startNext() { break }
            while let result = await group.next() {
                switch result {
                case .success(let recording):
                    report.downloaded += 1
                    report.bytesDownloaded += recording.sizeBytes
                    do throws(ArchiverError) {
                        try recordArchived(recording)
                    } catch {
                        fatal = fatal ?? error
                        group.cancelAll()
                    }
                case .failure(let failure as RecordingFailure):
                    logger.warning(
                        "recording failed",
                        metadata: ["session.id": "\(failure.sessionID ?? 0)", "reason": "\(failure.reason)"])
                    report.failures.append(failure)
                case .failure(let error as ArchiverError):
                    // The archive itself cannot be written: stop scheduling and let in-flight transfers abort.
                    fatal = fatal ?? error
                    group.cancelAll()
                case .failure:
                    // Cancellation (a signal): stop scheduling; in-flight transfers abort and remove their files.
                    group.cancelAll()
                }
                if fatal == nil, !Task.isCancelled { _ = startNext() }
            }
        }
        if let fatal { throw fatal }
        if Task.isCancelled { throw .interrupted(archived: report.downloaded) }
    }
}
