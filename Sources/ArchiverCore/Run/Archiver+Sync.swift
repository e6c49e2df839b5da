import FoundationEssentials
public import Logging

extension Archiver {
    /// Lists every recording in the window, plans what the archive lacks, and downloads it. Its dry run is
    /// `audit(configuration:options:logger:)`.
    /// - Returns: the report; its `exitCode` is 1 when some recordings failed.
    /// - Throws: `ArchiverError` when the run cannot proceed (exit 2 or 3).
    public static func sync(
        configuration: ArchiverConfiguration,
        options: SyncOptions,
        progress: any RunProgressObserver = NoProgressObserver(),
        logger: Logger
    ) async throws(ArchiverError) -> RunReport {
        let startedAt = Date()
        return try await withRun(configuration, logger: logger) {
            archive, lock, transport, client throws(ArchiverError) in
            let existingCatalog = try CatalogAccess.openExisting(configuration, readOnly: false, logger: logger)
            let window = try SyncWindow(
                options: options, catalog: existingCatalog, configuration: configuration, runStart: startedAt)
            logger.info(
                "listing",
                metadata: [
                    "date_from": "\(window.dateFrom.map { "\(Int($0.timeIntervalSince1970))" } ?? "all history")",
                    "date_to": "\(Int(window.dateTo.timeIntervalSince1970))",
                    "full_walk": "\(window.walksAllHistory)",
                ])
            // One query for what the catalog holds in the window: every session it overlaps, a superset of what
            // the listing holds whatever its date filter means.
            let cataloguedPaths = try existingCatalog?.recordingPaths(overlapping: window.dateFrom, to: window.dateTo)
            // Planned page by page, keeping the sessions to download.
            var listing = PlannedListing(
                planner: configuration.downloadPlanner,
                plan: DownloadPlan(keeping: .work), fileSize: try await archive.sizeReader(),
                cataloguedPaths: cataloguedPaths)
            let ledger = FailureLedger(try existingCatalog?.failingSessions() ?? [])
            listing.failingSessionIDs = Set(ledger.pending.keys)
            listing.ignoredSessionIDs = ledger.acknowledgedIDs
            let walk = try await client.listSessions(
                from: window.dateFrom, to: window.dateTo, agentIDs: options.agentIDs, into: &listing)
            // What the listing itself planned and found unusable, before the retries add theirs.
            let listed = (plan: listing.plan, invalidItems: listing.invalidItems)
            var retries = FailingSessionRetries()
            if walk.interruption == nil {
                await retries.retry(
                    FailingSessionRetries.candidates(
                        ledger, listed: listing.listedFailingIDs, agentIDs: options.agentIDs),
                    with: client, into: &listing, logger: logger)
            }
            // Created only now, after the listing succeeded, so a rejected key leaves the root untouched.
            let catalog = try await CatalogAccess.openForWriting(
                configuration, archive: archive, reusing: existingCatalog, logger: logger)
            let job = ArchiveJob(
                configuration: configuration, archive: archive, lock: lock, transport: transport, progress: progress,
                recordArchived: catalog.recorder, refreshURL: refreshingURLs(with: client),
                plansWholeListing: true, logger: logger)
            var report = try await job.run(
                plan: listing.plan, invalidItems: listing.invalidItems, listingInterruption: walk.interruption,
                startedAt: startedAt)
            report.incompleteReasons += walk.anomalies.map(\.description)
            // Every failure with a session id is kept before the watermark moves past it; an item without an id
            // cannot be retried, and is reported in this run only.
            let settlement = ledger.settle(
                failures: report.failures, attempted: listing.listedFailingIDs.union(retries.attempted),
                expired: retries.expired,
                listedItems: Self.listedItems(of: report.failures, in: listed.plan, listed.invalidItems), at: Date())
            try catalog.updateFailingSessions(settlement.failing, resolving: settlement.resolved)
            report.pendingFailures = settlement.stillFailing
            report.incompleteReasons +=
                (retries.stopReason.map { [$0] } ?? [])
                + FailureLedger.incompleteReasons(stillFailing: settlement.stillFailing, expired: settlement.expired)
            if report.runError == nil, walk.isComplete, window.advancesWatermark {
                try catalog.recordSuccessfulSync(upTo: window.dateTo, at: Date())
                if window.walksAllHistory { try catalog.recordFullWalk(upTo: window.dateTo, at: Date()) }
            }
            report.lastFullWalk = try catalog.lastFullWalk()?.finishedAt
            return report
        }
    }

    /// The listed item JSON of each failed session that the listing planned or found unusable, by session id.
    private static func listedItems(
        of failures: [RecordingFailure],
        in plan: DownloadPlan,
        _ invalidItems: [InvalidSessionItem]
    ) -> [Int: [UInt8]] {
        let failed = Set(failures.compactMap(\.sessionID))
        var items: [Int: [UInt8]] = [:]
        for item in plan.downloads + plan.missingSidecars + plan.uncatalogued where failed.contains(item.session.id) {
            items[item.session.id] = item.session.metadataJSON
        }
        for invalid in invalidItems {
            if let id = invalid.sessionID, failed.contains(id), let json = invalid.itemJSON { items[id] = json }
        }
        return items
    }

}
