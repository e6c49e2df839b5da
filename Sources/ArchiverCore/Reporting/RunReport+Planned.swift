import FoundationEssentials

extension RunReport {
    /// The report of a run that planned `plan` and found `invalidItems` unusable, as it stands before any
    /// transfer: what was listed and already archived, and a failure per unusable item. A dry run (`isDryRun`,
    /// `Archiver.audit`) also says what a real run would download.
    init(planned plan: DownloadPlan, invalidItems: [InvalidSessionItem], isDryRun: Bool = false, startedAt: Date) {
        self.init(
            isDryRun: isDryRun,
            startedAt: startedAt,
            finishedAt: startedAt,
            listed: plan.archivedCount + plan.downloadCount + invalidItems.count,
            downloaded: 0,
            skipped: plan.archivedCount,
            failed: invalidItems.count,
            bytesDownloaded: 0,
            wouldDownload: isDryRun ? plan.downloadCount : nil,
            wouldDownloadBytes: isDryRun ? plan.downloadBytes : nil,
            failures: invalidItems.map {
                RecordingFailure(
                    sessionID: $0.sessionID, code: .invalidItem, reason: "unusable API item: \($0.reason)")
            }
        )
    }
}
