import Curl
import Foundation
public import Logging

extension Archiver {
    /// The storage audit of `sync --dry-run`: lists the window as `sync` would, plans it against the files on
    /// disk, adds the catalogued recordings the API no longer lists and the free space, and returns a dry-run
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
        let root = try ArchiveRoot(path: configuration.archiveRoot, requiresMount: configuration.requiresMount)
        // Like every run, and without writing anything (a flock on the root folder): an audit taken while a
        // sync is filing recordings would count half-written state.
        let lock = try RunLock.acquire(root)
        defer { lock.release() }
        // The same window as a real sync: incremental from the catalog's watermark unless --from or --full.
        let catalog = try CatalogAccess.openExisting(configuration, readOnly: true)
        let window = SyncWindow(
            options: options, watermark: try catalog?.lastSuccessfulSync(), overlap: configuration.syncOverlap,
            runStart: startedAt)
        let transport: CurlMulti
        do {
            transport = try CurlMulti(maxConnections: 2)
        } catch {
            throw .apiUnreachable(
                endpoint: configuration.apiBaseURL.absoluteString, reason: "libcurl did not start: \(error)")
        }
        let sessions: [Session]
        let invalidItems: [InvalidSessionItem]
        do throws(ArchiverError) {
            (sessions, invalidItems) = try await listWindow(
                window, agentIDs: options.agentIDs, configuration: configuration, transport: transport, logger: logger)
            await transport.shutdown()
        } catch {
            await transport.shutdown()
            throw error
        }
        let planner = DownloadPlanner(layout: configuration.layout, timeZone: configuration.timeZone)
        let plan = planner.plan(sessions, fileSize: root.fileSize)
        let catalogued = try catalog?.entries(startingFrom: window.dateFrom, to: window.dateTo) ?? []
        var audit = StorageAudit(
            plan: plan,
            unusableItems: invalidItems,
            catalogued: catalogued.map {
                StorageAudit.CataloguedRecording(
                    sessionID: $0.sessionID, agentID: $0.agentID, agentName: $0.agentName, sizeBytes: $0.sizeBytes)
            },
            agentIDs: options.agentIDs,
            freeBytes: FileSystemSpace.availableBytes(at: root.path),
            minimumFreeBytes: configuration.minimumFreeBytes
        )
        audit.archiveRoot = root.path
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
        var report = RunReport(
            isDryRun: true,
            startedAt: startedAt,
            finishedAt: startedAt,
            listed: sessions.count + invalidItems.count,
            downloaded: 0,
            skipped: plan.archived.count,
            failed: invalidItems.count,
            bytesDownloaded: 0,
            wouldDownload: plan.downloads.count,
            wouldDownloadBytes: plan.downloadBytes,
            failures: invalidItems.map {
                RecordingFailure(
                    sessionID: $0.sessionID, code: "invalid_item", reason: "unusable API item: \($0.reason)")
            }
        )
        report.agents = AgentRunCounts.tally(plan, failures: report.failures, isDryRun: true)
        report.audit = audit
        report.finishedAt = Date()
        return report
    }

    /// Lists every session with a recording in `window` for `agentIDs` (all when empty), as `sync` does, each
    /// session once.
    /// - Throws: `ArchiverError` as the listing does, and also when the listing stopped midway: an audit of part
    ///   of the window would report recordings as no longer listed that merely were not reached.
    private static func listWindow(
        _ window: SyncWindow,
        agentIDs: [Int],
        configuration: ArchiverConfiguration,
        transport: CurlMulti,
        logger: Logger
    ) async throws(ArchiverError) -> ([Session], [InvalidSessionItem]) {
        let client = APIClient(
            baseURL: configuration.apiBaseURL, key: configuration.apiKey, transport: transport, logger: logger)
        let dateTo = Int(window.dateTo.timeIntervalSince1970)
        let dateFrom = window.dateFrom.map { Int($0.timeIntervalSince1970) }
        var sessions: [Session] = []
        var invalidItems: [InvalidSessionItem] = []
        var seen = Set<Int>()
        let agents: [Int?] = agentIDs.isEmpty ? [nil] : agentIDs.map { $0 }
        for agent in agents {
            let listing = try await client.listSessions(
                filter: HistoryFilter(agentID: agent, dateFrom: dateFrom, dateTo: dateTo))
            if let interruption = listing.interruption { throw interruption }
            sessions += listing.sessions.filter { seen.insert($0.id).inserted }
            invalidItems += listing.invalidItems
        }
        return (sessions, invalidItems)
    }
}
