public import FoundationEssentials
import Glibc

/// What a run did, for the `--report` JSON and the one-line summary.
public struct RunReport: Sendable, Codable, Equatable {
    /// Whether this was a `--dry-run`, which downloads and writes nothing.
    var isDryRun: Bool
    public var startedAt: Date
    public var finishedAt: Date
    /// Recordings the API listed (valid or not).
    var listed: Int
    /// Recordings downloaded and filed in this run.
    var downloaded: Int
    /// Recordings already archived with the expected size.
    var skipped: Int
    /// Of `skipped`: recordings found at their final path without a catalog row (a run stopped between publishing
    /// and cataloguing them) and catalogued in this run after their SHA-256 matched their sidecar's.
    var recatalogued = 0
    /// Recordings that could not be archived; `failures` says why.
    var failed: Int
    /// Bytes of the recordings downloaded in this run.
    var bytesDownloaded: Int
    /// In dry runs: how many recordings a real run would download.
    var wouldDownload: Int?
    /// In dry runs: how many bytes a real run would download.
    var wouldDownloadBytes: Int?
    /// Each failed recording with its reason.
    public var failures: [RecordingFailure]
    /// The counts per agent.
    var agents: [AgentRunCounts] = []
    /// In dry runs made by `Archiver.audit`: the storage audit, per agent and in total.
    public var audit: StorageAudit? = nil

    /// How long the run took, in seconds.
    var durationSeconds: Double { max(0, finishedAt.timeIntervalSince(startedAt)) }
    /// The average download rate over the whole run, in bytes per second (0 for an instant run).
    var throughputBytesPerSecond: Double {
        durationSeconds > 0 ? Double(bytesDownloaded) / durationSeconds : 0
    }

    /// Why the run stopped before archiving everything listed (the plan's request limit, the API gone
    /// while listing), when it did; the recordings listed until then were still archived.
    var runError: String? = nil
    /// The stable code of `runError`'s cause, for the report's `error.code`.
    public var runErrorCode: ArchiverError.Code? = nil
    /// Why the run did not archive everything it should have, beyond `failures` and `runError`: a listing that
    /// came back incomplete, recordings still failing since earlier runs. Each makes the exit code at least 1.
    var incompleteReasons: [String] = []
    /// When the last sync that walked all history (`sync.full_every`, `--full`) finished, as the catalog records
    /// it, this run included; nil when none is recorded.
    var lastFullWalk: Date? = nil
    /// The sessions still failing after the run (kept in the catalog, retried on later runs), not acknowledged;
    /// `incompleteReasons` names them. In dry runs: those failing before it.
    var pendingFailures: [FailingSession] = []

    /// 0 when every recording is archived (or, in a dry run, could be planned), 1 when some failed or the run
    /// was incomplete (`incompleteReasons`); when the run stopped early (`runError`), 1 if it archived something
    /// and 3 if not.
    public var exitCode: Int32 {
        if runError != nil { return downloaded > 0 ? 1 : 3 }
        return failed == 0 && incompleteReasons.isEmpty ? 0 : 1
    }

    /// The lines that explain, next to the summary, why the run did not archive everything: `runError` first,
    /// then `incompleteReasons`. Printed whatever the log level.
    public var incompleteLines: [String] {
        (runError.map { [$0] } ?? []) + incompleteReasons
    }

    /// The one-line summary printed at the end of every run: counts, bytes, duration and average throughput.
    public var summary: String {
        let duration = Self.formatDuration(durationSeconds)
        if isDryRun {
            return "dry run: \(listed) listed, \(skipped) already archived, would download \(wouldDownload ?? 0) "
                + "(\(ByteCount.format(wouldDownloadBytes ?? 0))), \(failed) unusable, in \(duration)"
        }
        var text =
            "\(downloaded) downloaded (\(ByteCount.format(bytesDownloaded))), \(skipped) already archived, "
            + "\(failed) failed, of \(listed) listed, in \(duration)"
        if downloaded > 0 { text += ", \(ByteCount.format(Int(throughputBytesPerSecond.rounded())))/s" }
        if recatalogued > 0 { text += "; \(recatalogued) catalogued from disk" }
        return text
    }

    /// `0.4` → `"0.4 s"`, `75` → `"1 min 15 s"`, `3720` → `"1 h 02 min"`.
    static func formatDuration(_ seconds: Double) -> String {
        if seconds < 60 { return seconds.decimalText(fractionDigits: 1) + " s" }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60) min \((whole % 60).zeroPadded(width: 2)) s" }
        return "\(whole / 3600) h \((whole % 3600 / 60).zeroPadded(width: 2)) min"
    }

    enum CodingKeys: String, CodingKey {
        case isDryRun = "dry_run"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case listed, downloaded, skipped, failed, recatalogued
        case bytesDownloaded = "bytes_downloaded"
        case wouldDownload = "would_download"
        case wouldDownloadBytes = "would_download_bytes"
        case failures
        case runError = "run_error"
        case incompleteReasons = "incomplete"
        case lastFullWalk = "last_full_walk"
        case pendingFailures = "pending_failures"
        case agents
        case audit
    }

    /// Keys of values derived from the stored ones, encoded but not decoded.
    private enum DerivedKeys: String, CodingKey {
        case durationSeconds = "duration_seconds"
        case throughputBytesPerSecond = "throughput_bytes_per_second"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(isDryRun, forKey: .isDryRun)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(listed, forKey: .listed)
        try container.encode(downloaded, forKey: .downloaded)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(failed, forKey: .failed)
        try container.encode(recatalogued, forKey: .recatalogued)
        try container.encode(bytesDownloaded, forKey: .bytesDownloaded)
        try container.encodeIfPresent(wouldDownload, forKey: .wouldDownload)
        try container.encodeIfPresent(wouldDownloadBytes, forKey: .wouldDownloadBytes)
        try container.encode(failures, forKey: .failures)
        try container.encodeIfPresent(runError, forKey: .runError)
        if !incompleteReasons.isEmpty { try container.encode(incompleteReasons, forKey: .incompleteReasons) }
        try container.encode(pendingFailures, forKey: .pendingFailures)
        try container.encode(agents, forKey: .agents)
        try container.encodeIfPresent(audit, forKey: .audit)
        try container.encodeIfPresent(lastFullWalk, forKey: .lastFullWalk)
        var derived = encoder.container(keyedBy: DerivedKeys.self)
        try derived.encode((durationSeconds * 1000).rounded() / 1000, forKey: .durationSeconds)
        try derived.encode(throughputBytesPerSecond.rounded(), forKey: .throughputBytesPerSecond)
        try ReportHeader(
            exitCode: exitCode,
            error: runError.map { RunError(code: runErrorCode ?? .unexpected, message: $0) }
        ).encode(to: encoder)
    }

    /// The report as pretty JSON, dates in ISO 8601.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.iso8601UTC)
        }
        return try encoder.encode(self)
    }

    /// Writes the JSON report to `path` atomically (temporary file, fsync, rename).
    /// - Throws: `ArchiverError.outputUnwritable` naming the path.
    public func write(toFile path: String) throws(ArchiverError) {
        guard let data = try? jsonData() else { throw .outputUnwritable(path: path, errno: EINVAL) }
        try AtomicFile.write(data, to: path)
    }
}
