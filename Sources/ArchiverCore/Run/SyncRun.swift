import Curl
public import FoundationEssentials
public import Logging

/// The options of one `sync` or `sync --dry-run` (`Archiver.audit`), beyond the configuration.
public struct SyncOptions: Sendable {
    /// `--from`: the start of the listed period (`date_from`); nil for the API's whole history.
    public var from: Date?
    /// `--to`: the end of the listed period (`date_to`); nil pins it to the run's start.
    public var to: Date?
    /// Only these agents; empty for all.
    var agentIDs: [Int]
    /// `--full`: list all history instead of starting from the last successful sync's watermark.
    var isFullWalk: Bool
    /// `--dry-run --incremental`: the audit lists the window the next nightly sync would list, instead of all
    /// history.
    var auditsIncrementalWindow: Bool

    /// Creates sync options.
    public init(
        from: Date? = nil, to: Date? = nil, agentIDs: [Int] = [], isFullWalk: Bool = false,
        auditsIncrementalWindow: Bool = false
    ) {
        self.from = from
        self.to = to
        self.agentIDs = agentIDs
        self.isFullWalk = isFullWalk
        self.auditsIncrementalWindow = auditsIncrementalWindow
    }
}

/// The archiver's entry points: one run each, from configuration to report.
public enum Archiver {
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
            root, lock, transport, client throws(ArchiverError) in
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
                plan: DownloadPlan(keeping: .work), fileSize: root.fileSizeReader(), cataloguedPaths: cataloguedPaths)
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
            let catalog = try CatalogAccess.openForWriting(
                configuration, root: root, reusing: existingCatalog, logger: logger)
            let job = ArchiveJob(
                configuration: configuration, root: root, lock: lock, transport: transport, progress: progress,
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

    /// Archives one session found through `history/info`, at the same path `sync` would file it.
    ///
    /// `history/info` does not name the agent, so the session is looked up in `history/list` (its agent, from its
    /// start to its stop: a period that lists it whether the API filters on start, stop or overlap) for the agent's
    /// name and the list metadata; when that fails, the info answer is used with the agent named "agent".
    /// - Throws: `ArchiverError` when the run cannot proceed, including an unknown session.
    public static func fetch(
        configuration: ArchiverConfiguration,
        session reference: SessionReference,
        progress: any RunProgressObserver = NoProgressObserver(),
        logger: Logger
    ) async throws(ArchiverError) -> RunReport {
        let startedAt = Date()
        return try await withRun(configuration, logger: logger) {
            root, lock, transport, client throws(ArchiverError) in
            let info = try await client.sessionInfo(reference)
            let session: Session
            do throws(InvalidSessionItem) {
                session = try await client.session(fromInfo: info, logger: logger)
            } catch {
                var report = RunReport(
                    planned: DownloadPlan(keeping: .work), invalidItems: [error], startedAt: startedAt)
                report.finishedAt = Date()
                return report
            }
            let catalog = try CatalogAccess.openForWriting(configuration, root: root, logger: logger)
            // A run for one recording leaves the other partial files for the next sync.
            let job = ArchiveJob(
                configuration: configuration, root: root, lock: lock, transport: transport, progress: progress,
                recordArchived: catalog.recorder, refreshURL: refreshingURLs(with: client),
                plansWholeListing: false, logger: logger)
            var listing = PlannedListing(
                planner: configuration.downloadPlanner,
                plan: DownloadPlan(keeping: .work), fileSize: root.fileSizeReader(),
                cataloguedPaths: try catalog.entry(sessionID: session.id).map { [session.id: $0.relativePath] } ?? [:])
            listing.add(session)
            let report = try await job.run(plan: listing.plan, invalidItems: [], startedAt: startedAt)
            // Archived now or before: no longer failing (a recording filed now left the table as it was catalogued).
            if report.failures.isEmpty { try catalog.updateFailingSessions([], resolving: [session.id]) }
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

    /// Runs `body` with what every run holds while it works: the checked archive root and its lock, a
    /// transfer engine sized for the configuration, and an API client. Always releases them.
    static func withRun(
        _ configuration: ArchiverConfiguration,
        logger: Logger,
        _ body: (ArchiveRoot, RunLock, CurlMulti, APIClient) async throws(ArchiverError) -> RunReport
    ) async throws(ArchiverError) -> RunReport {
        let root = try ArchiveRoot.checked(configuration)
        let lock = try RunLock.acquire(root, logger: logger)
        defer { lock.release() }
        let transport: CurlMulti
        do {
            // One transfer thread per core (receiving, writing and hashing a recording is CPU work), never more
            // threads than transfers.
            let threads = min(configuration.transfers, ProcessInfo.processInfo.activeProcessorCount)
            // All downloads share one limit, on every thread; the timetable is read again every second.
            let limiter = configuration.bandwidthSchedule.map { schedule in
                BandwidthLimiter { schedule.bytesPerSecondNow() }
            }
            transport = try CurlMulti(
                maxConnections: configuration.transfers + 2, threads: threads, bandwidthLimiter: limiter)
        } catch {
            throw .apiUnreachable(
                endpoint: configuration.apiBaseURL.absoluteString, reason: "libcurl did not start: \(error)")
        }
        let client = APIClient(configuration: configuration, transport: transport, logger: logger)
        do {
            let report = try await body(root, lock, transport, client)
            await transport.shutdown()
            return report
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    /// Looks a recording's current URL up through `history/info`, for media URLs that expired.
    private static func refreshingURLs(with client: APIClient) -> Downloader.URLRefresher {
        { sessionID throws(ArchiverError) in
            InfoVideo(try await client.sessionInfo(.id(sessionID))).url
        }
    }
}
