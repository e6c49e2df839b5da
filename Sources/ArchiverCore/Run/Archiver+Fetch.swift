import FoundationEssentials
public import Logging

extension Archiver {
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
            archive, lock, transport, client throws(ArchiverError) in
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
            let catalog = try await CatalogAccess.openForWriting(configuration, archive: archive, logger: logger)
            // A run for one recording leaves the other partial files for the next sync.
            let job = ArchiveJob(
                configuration: configuration, archive: archive, lock: lock, transport: transport, progress: progress,
                recordArchived: catalog.recorder, refreshURL: refreshingURLs(with: client),
                plansWholeListing: false, logger: logger)
            var listing = PlannedListing(
                planner: configuration.downloadPlanner,
                plan: DownloadPlan(keeping: .work), fileSize: try await archive.sizeReader(),
                cataloguedPaths: try catalog.entry(sessionID: session.id).map { [session.id: $0.relativePath] } ?? [:])
            listing.add(session)
            let report = try await job.run(plan: listing.plan, invalidItems: [], startedAt: startedAt)
            // Archived now or before: no longer failing (a recording filed now left the table as it was catalogued).
            if report.failures.isEmpty { try catalog.updateFailingSessions([], resolving: [session.id]) }
            return report
        }
    }
}
