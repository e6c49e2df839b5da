import Curl
public import Foundation
public import Logging

/// The options of one `sync`, beyond the configuration.
public struct SyncOptions: Sendable {
    /// List and plan only: write nothing, fetch no media.
    public var isDryRun: Bool
    /// Sessions that started at or after this time; nil for the API's whole history.
    public var from: Date?
    /// Sessions that started at or before this time; nil pins it to the run's start.
    public var to: Date?
    /// Only these agents; empty for all.
    public var agentIDs: [Int]

    /// Creates sync options.
    public init(isDryRun: Bool = false, from: Date? = nil, to: Date? = nil, agentIDs: [Int] = []) {
        self.isDryRun = isDryRun
        self.from = from
        self.to = to
        self.agentIDs = agentIDs
    }
}

/// The archiver's entry points: one run each, from configuration to report.
public enum Archiver {
    /// Lists every recording in the window, plans what the archive lacks, and downloads it.
    /// - Returns: the report; its `exitCode` is 1 when some recordings failed.
    /// - Throws: `ArchiverError` when the run cannot proceed (exit 2 or 3).
    public static func sync(
        configuration: ArchiverConfiguration,
        options: SyncOptions,
        progress: any RunProgressObserver = NoProgressObserver(),
        logger: Logger
    ) async throws(ArchiverError) -> RunReport {
        let startedAt = Date()
        let root = try ArchiveRoot(path: configuration.archiveRoot)
        return try await withTransport(configuration) { transport throws(ArchiverError) in
            let client = APIClient(
                baseURL: configuration.apiBaseURL, key: configuration.apiKey, transport: transport, logger: logger)
            let dateTo = Int((options.to ?? startedAt).timeIntervalSince1970)
            let dateFrom = options.from.map { Int($0.timeIntervalSince1970) }
            var sessions: [Session] = []
            var invalid: [InvalidSessionItem] = []
            var seen = Set<Int>()
            let agents: [Int?] = options.agentIDs.isEmpty ? [nil] : options.agentIDs.map { $0 }
            for agent in agents {
                let listing = try await client.listSessions(
                    filter: HistoryFilter(agentID: agent, dateFrom: dateFrom, dateTo: dateTo))
                sessions += listing.sessions.filter { seen.insert($0.id).inserted }
                invalid += listing.invalidItems
            }
            let job = ArchiveJob(
                configuration: configuration, root: root, transport: transport, progress: progress, logger: logger)
            return try await job.run(
                sessions: sessions, invalidItems: invalid, isDryRun: options.isDryRun, startedAt: startedAt)
        }
    }

    /// Archives one session found through `history/info`, at the same path `sync` would file it.
    ///
    /// `history/info` does not name the agent, so the session is looked up in `history/list` (its agent, at
    /// its start time) for the agent's name and the list metadata; when that fails, the info answer is used
    /// with the agent named "agent".
    /// - Throws: `ArchiverError` when the run cannot proceed, including an unknown session.
    public static func fetch(
        configuration: ArchiverConfiguration,
        session reference: SessionReference,
        progress: any RunProgressObserver = NoProgressObserver(),
        logger: Logger
    ) async throws(ArchiverError) -> RunReport {
        let startedAt = Date()
        let root = try ArchiveRoot(path: configuration.archiveRoot)
        return try await withTransport(configuration) { transport throws(ArchiverError) in
            let client = APIClient(
                baseURL: configuration.apiBaseURL, key: configuration.apiKey, transport: transport, logger: logger)
            let info = try await client.sessionInfo(reference)
            let session: Session
            do throws(InvalidSessionItem) {
                let fromInfo = try Session(infoResponse: info, agentName: nil, agentGroup: nil)
                let start = Int(fromInfo.start.timeIntervalSince1970)
                let listing = try? await client.listSessions(
                    filter: HistoryFilter(agentID: fromInfo.agent.id, dateFrom: start, dateTo: start)
                )
                if let listed = listing?.sessions.first(where: { $0.id == fromInfo.id }) {
                    session = listed
                } else {
                    logger.warning(
                        "session not found in history/list; filing it under the agent name \"agent\"",
                        metadata: ["session.id": "\(fromInfo.id)"])
                    session = fromInfo
                }
            } catch {
                let job = ArchiveJob(
                    configuration: configuration, root: root, transport: transport, progress: progress, logger: logger)
                return try await job.run(sessions: [], invalidItems: [error], isDryRun: false, startedAt: startedAt)
            }
            let job = ArchiveJob(
                configuration: configuration, root: root, transport: transport, progress: progress, logger: logger)
            return try await job.run(sessions: [session], invalidItems: [], isDryRun: false, startedAt: startedAt)
        }
    }

    /// Runs `body` with a transfer engine sized for the configuration, and always shuts it down.
    private static func withTransport(
        _ configuration: ArchiverConfiguration,
        _ body: (CurlMulti) async throws(ArchiverError) -> RunReport
    ) async throws(ArchiverError) -> RunReport {
        let transport: CurlMulti
        do {
            transport = try CurlMulti(maxConnections: configuration.transfers + 2)
        } catch {
            throw .apiUnreachable(
                endpoint: configuration.apiBaseURL.absoluteString, reason: "libcurl did not start: \(error)")
        }
        do {
            let report = try await body(transport)
            await transport.shutdown()
            return report
        } catch {
            await transport.shutdown()
            throw error
        }
    }
}
