import Curl
import FoundationEssentials
import Logging

/// The archiver's entry points: one run each, from configuration to report, in a file each: `sync`
/// (`Archiver+Sync.swift`), `fetch`, `audit` (`sync --dry-run`), `reindex` and `verify` (`Archiver+Catalog.swift`),
/// `check` and `failures`. Those that touch the archive hold its lock while they work (`withRun`).
public enum Archiver {
    /// Runs `body` with what every run holds while it works: the checked archive (a folder, or a bucket) and its
    /// lock, a transfer engine sized for the configuration, and an API client. Always releases them.
    static func withRun(
        _ configuration: ArchiverConfiguration,
        logger: Logger,
        _ body: (RunArchive, RunLock, CurlMulti, APIClient) async throws(ArchiverError) -> RunReport
    ) async throws(ArchiverError) -> RunReport {
        let lockFolder = try RunArchive.lockFolder(configuration)
        let lock = try RunLock.acquire(lockFolder, logger: logger)
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
            // Each connection cache keeps one per transfer and two for the API; a bucket's uploads (a recording and
            // its sidecar at once, per upload slot) need theirs too, or connections close and open again.
            let uploads = configuration.bucket == nil ? 0 : 2 * configuration.transfers
            transport = try CurlMulti(
                maxConnections: configuration.transfers + uploads + 2, threads: threads, bandwidthLimiter: limiter)
        } catch {
            throw .apiUnreachable(
                endpoint: configuration.apiBaseURL.absoluteString, reason: "libcurl did not start: \(error)")
        }
        let client = APIClient(configuration: configuration, transport: transport, logger: logger)
        do {
            let archive = RunArchive(configuration, lockFolder: lockFolder, transport: transport, logger: logger)
            let report = try await body(archive, lock, transport, client)
            await transport.shutdown()
            return report
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    /// Looks a recording's current URL up through `history/info`, for media URLs that expired.
    static func refreshingURLs(with client: APIClient) -> Downloader.URLRefresher {
        { sessionID throws(ArchiverError) in
            InfoVideo(try await client.sessionInfo(.id(sessionID))).url
        }
    }
}
