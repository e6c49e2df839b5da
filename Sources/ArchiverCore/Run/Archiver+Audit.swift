import FoundationEssentials
public import Logging

extension Archiver {
    /// The storage audit of `sync --dry-run`: lists all history (or, with `auditsIncrementalWindow`, the window the
    /// next nightly `sync` would list), plans it against the files on disk, adds the catalogued recordings the API no longer lists and the free space, and returns a dry-run
    /// report carrying the audit.
    ///
    /// Writes nothing and creates nothing (the catalog is read only when it exists) and fetches no media. Holds the
    /// archive's run lock, so it fails with `archiveBusy` while a sync runs.
    /// - Returns: a report with `isDryRun`, `wouldDownload`, `wouldDownloadBytes`, `agents` and `audit` set.
    /// - Throws: `ArchiverError` when the run cannot proceed (exit 2 or 3).
    public static func audit(
        configuration: ArchiverConfiguration,
        options: SyncOptions,
        logger: Logger
    ) async throws(ArchiverError) -> RunReport {
        let startedAt = Date()
        // The run lock too, though it writes nothing: an audit taken while a sync is filing recordings would
        // count half-written state.
        return try await withRun(configuration, logger: logger) { archive, _, _, client throws(ArchiverError) in
            // All history, unless --from, or --incremental asks for the window the next nightly sync would list.
            let catalog = try CatalogAccess.openExisting(configuration, readOnly: true, logger: logger)
            var auditOptions = options
            auditOptions.isFullWalk = options.isFullWalk || !options.auditsIncrementalWindow
            let window = try SyncWindow(
                options: auditOptions, catalog: catalog, configuration: configuration, runStart: startedAt)
            // Every catalogued session the listing may hold, whatever the API's date filter means; of those, only
            // the ones it lists under every meaning can be called no longer listed when it does not.
            let catalogued = try catalog?.entries(overlapping: window.dateFrom, to: window.dateTo) ?? []
            // Planned page by page, keeping counts only: an audit of 100,000 sessions holds none of them.
            var listing = PlannedListing(
                planner: configuration.downloadPlanner,
                plan: DownloadPlan(keeping: .none),
                fileSize: try await archive.sizeReader(),
                catalogued: catalogued.filter { window.listsWhateverTheFilter(start: $0.start, stop: $0.stop) }.map {
                    StorageAudit.CataloguedRecording(
                        sessionID: $0.sessionID, agentID: $0.agentID, agentName: $0.agentName,
                        sizeBytes: $0.sizeBytes)
                },
                cataloguedPaths: catalog.map { _ in
                    Dictionary(catalogued.map { ($0.sessionID, $0.relativePath) }) { first, _ in first }
                })
            let walk = try await client.listSessions(
                from: window.dateFrom, to: window.dateTo, agentIDs: options.agentIDs, into: &listing)
            // An audit of part of the window would report recordings as no longer listed that merely were not
            // reached.
            if let interruption = walk.interruption { throw interruption }
            var report = auditReport(
                listing, window: window, archive: archive, configuration: configuration, options: options,
                startedAt: startedAt, logger: logger)
            report.lastFullWalk = try catalog?.lastFullWalk()?.finishedAt
            // Shown, never retried or changed: an audit writes nothing.
            report.pendingFailures = try catalog?.failingSessions().filter { !$0.isAcknowledged } ?? []
            // A listing the server's paging left incomplete is said next to the audit, with what it means for it.
            report.incompleteReasons += walk.anomalies.map(\.description)
            if !walk.isComplete {
                report.incompleteReasons.append(
                    "the listing was incomplete, so \"no longer listed\" may count recordings it did not reach")
            }
            return report
        }
    }

    private static func auditReport(
        _ listing: PlannedListing,
        window: SyncWindow,
        archive: RunArchive,
        configuration: ArchiverConfiguration,
        options: SyncOptions,
        startedAt: Date,
        logger: Logger
    ) -> RunReport {
        let plan = listing.plan
        let invalidItems = listing.invalidItems
        var audit = StorageAudit(
            plan: plan,
            unusableItems: invalidItems,
            notListed: listing.notListed,
            agentIDs: options.agentIDs,
            // A bucket has no free space to report; its spool's is checked when a sync downloads.
            freeSpace: archive.isBucket
                ? nil
                : FileSystemSpace.of(archive.spaceFolder, assumingWhereUnreported: configuration.assumedFreeBytes),
            minimumFreeBytes: configuration.minimumFreeBytes
        )
        audit.archiveRoot = archive.location
        audit.isInObjectStorage = archive.isBucket
        audit.dateFrom = window.dateFrom
        audit.dateTo = window.dateTo
        logger.info(
            "audited",
            metadata: [
                "listed": "\(audit.total.listed.count)", "archived": "\(audit.total.archived.count)",
                "missing": "\(audit.total.missing.count)", "wrong_size": "\(audit.total.wrongSize.count)",
                "no_longer_listed": "\(audit.total.noLongerListed.count)",
                "bytes": "\(audit.total.wouldDownload.bytes)",
            ]
        )
        var report = RunReport(planned: plan, invalidItems: invalidItems, isDryRun: true, startedAt: startedAt)
        report.agents = AgentRunCounts.tally(plan, failures: report.failures, isDryRun: true)
        report.audit = audit
        report.finishedAt = Date()
        return report
    }
}
