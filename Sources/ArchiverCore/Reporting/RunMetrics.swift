public import FoundationEssentials
import Glibc
import Prometheus

/// The metrics of the last run, in the Prometheus text format, for node_exporter's textfile collector.
///
/// Every value is a gauge describing the last run (or the archive after it); the exposition text comes from
/// swift-prometheus. The success timestamp survives failed runs: it is carried over from the previous file.
public struct RunMetrics: Sendable {
    /// The archive's size after the run.
    public struct ArchiveTotals: Sendable, Equatable {
        /// The recordings in the archive.
        var recordings: Int
        /// Their bytes.
        var sizeBytes: Int

        /// Creates totals.
        init(recordings: Int, sizeBytes: Int) {
            self.recordings = recordings
            self.sizeBytes = sizeBytes
        }
    }

    /// The metric names, all with the prefix `getscreen_archiver_`.
    enum Name {
        static let lastRunStart = "getscreen_archiver_last_run_start_timestamp_seconds"
        static let lastRunEnd = "getscreen_archiver_last_run_end_timestamp_seconds"
        static let lastSuccess = "getscreen_archiver_last_success_timestamp_seconds"
        static let lastRunExitCode = "getscreen_archiver_last_run_exit_code"
        static let lastRunDuration = "getscreen_archiver_last_run_duration_seconds"
        static let recordingsListed = "getscreen_archiver_last_run_recordings_listed"
        static let recordingsDownloaded = "getscreen_archiver_last_run_recordings_downloaded"
        static let recordingsSkipped = "getscreen_archiver_last_run_recordings_skipped"
        static let recordingsFailed = "getscreen_archiver_last_run_recordings_failed"
        static let failures = "getscreen_archiver_last_run_failures"
        static let bytesDownloaded = "getscreen_archiver_last_run_downloaded_bytes"
        static let archiveSize = "getscreen_archiver_archive_size_bytes"
        static let archiveRecordings = "getscreen_archiver_archive_recordings"
        static let lastFullWalk = "getscreen_archiver_last_full_walk_timestamp_seconds"
        static let failingSessions = "getscreen_archiver_failing_sessions"
        static let lastRunError = "getscreen_archiver_last_run_error"
        static let buildInfo = "getscreen_archiver_build_info"
    }

    /// When the run started.
    var startedAt: Date
    /// When the run ended.
    var finishedAt: Date
    /// The process's exit code: 0 success, 1 some recordings failed, 2 or 3 the run could not proceed.
    var exitCode: Int32
    /// What the run did; nil when it stopped before it had a report (exit 2 or 3).
    var report: RunReport?
    /// The end of the last run that exited 0, this one included.
    var lastSuccessAt: Date?
    /// The archive's size after the run; nil when unknown.
    var archive: ArchiveTotals?
    /// Why the run could not run or stopped early (the report's `error.code`); nil otherwise.
    public var errorCode: ArchiverError.Code? = nil

    /// The metrics of a run.
    /// - Parameter previousSuccess: the success time of the previous metrics file, kept when this run failed.
    public init(
        startedAt: Date,
        finishedAt: Date,
        exitCode: Int32,
        report: RunReport?,
        previousSuccess: Date?,
        archive: ArchiveTotals?
    ) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.report = report
        self.lastSuccessAt = exitCode == 0 ? finishedAt : previousSuccess
        self.archive = archive
    }

    /// The metrics as Prometheus text exposition format, in a stable order (`PrometheusText.sorted`).
    func text() -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ value: Double, labels: [(String, String)] = []) {
            registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels).set(value)
        }
        gauge(Name.lastRunStart, "Start of the last run, unix seconds.", startedAt.timeIntervalSince1970.rounded())
        gauge(Name.lastRunEnd, "End of the last run, unix seconds.", finishedAt.timeIntervalSince1970.rounded())
        if let lastSuccessAt {
            gauge(
                Name.lastSuccess, "End of the last run that archived every listed recording (exit 0), unix seconds.",
                lastSuccessAt.timeIntervalSince1970.rounded())
        }
        gauge(
            Name.lastRunExitCode,
            "Exit code of the last run: 0 ok, 1 some recordings failed, 2 usage, 3 could not run, 75 lock held, "
                + "130/143 interrupted.",
            Double(exitCode))
        if let errorCode {
            gauge(
                Name.lastRunError,
                "Why the last run could not run or stopped early, by code (lock_held, …); absent "
                    + "when it did not.", 1, labels: [("code", errorCode.rawValue)])
        }
        gauge(
            Name.buildInfo, "The getscreen-archiver version that wrote this file.", 1,
            labels: [("version", ToolVersion.current)])
        gauge(
            Name.lastRunDuration, "Duration of the last run, seconds.",
            max(0, finishedAt.timeIntervalSince(startedAt) * 1000).rounded() / 1000)
        if let report {
            gauge(Name.recordingsListed, "Recordings the API listed in the last run.", Double(report.listed))
            gauge(Name.recordingsDownloaded, "Recordings downloaded by the last run.", Double(report.downloaded))
            gauge(Name.recordingsSkipped, "Recordings already archived in the last run.", Double(report.skipped))
            gauge(Name.recordingsFailed, "Recordings the last run could not archive.", Double(report.failed))
            gauge(Name.bytesDownloaded, "Bytes downloaded by the last run.", Double(report.bytesDownloaded))
            if let lastFullWalk = report.lastFullWalk {
                gauge(
                    Name.lastFullWalk,
                    "End of the last sync that walked all history (sync.full_every), unix seconds; alert when it is "
                        + "much older than sync.full_every.",
                    lastFullWalk.timeIntervalSince1970.rounded())
            }
            gauge(
                Name.failingSessions,
                "Sessions failing after the last run, kept for retry until archived or acknowledged.",
                Double(report.pendingFailures.count))
            let codes = Dictionary(grouping: report.failures, by: \.code.slug).mapValues(\.count)
            for (code, count) in codes.sorted(by: { $0.key < $1.key }) {
                gauge(
                    Name.failures, "Failed recordings of the last run by reason.", Double(count),
                    labels: [("code", code)])
            }
        }
        if let archive {
            gauge(Name.archiveSize, "Bytes of the recordings in the archive.", Double(archive.sizeBytes))
            gauge(Name.archiveRecordings, "Recordings in the archive.", Double(archive.recordings))
        }
        return PrometheusText.sorted(registry.emitToString())
    }

    /// Writes the metrics to `path` atomically: a temporary file beside it, fsync, then rename, so that the
    /// collector never reads half a file.
    /// - Throws: `ArchiverError.archiveUnwritable` naming the path.
    public func write(toFile path: String) throws(ArchiverError) {
        try AtomicFile.write(Data(text().utf8), to: path, mode: 0o644)  // read by node_exporter's user
    }

    /// The success timestamp of an earlier metrics file at `path`; nil when there is none.
    public static func previousSuccess(inFile path: String) -> Date? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(Name.lastSuccess + " ") {
            if let seconds = Double(line.dropFirst(Name.lastSuccess.count + 1)) {
                return Date(timeIntervalSince1970: seconds)
            }
        }
        return nil
    }

    /// The archive's recordings: from the catalog when there is one (never creating it), else by walking the
    /// root for `.mp4` files outside the tool's own folder. Nil when neither can be read (a bucket is not listed
    /// for this).
    public static func archiveTotals(for configuration: ArchiverConfiguration) -> ArchiveTotals? {
        let catalogPath = configuration.catalogPath
        if FileManager.default.fileExists(atPath: catalogPath),
            let entries = try? Catalog.openReadOnly(at: catalogPath).entries()
        {
            return ArchiveTotals(recordings: entries.count, sizeBytes: entries.reduce(0) { $0 + $1.sizeBytes })
        }
        let root = configuration.archiveRoot
        guard configuration.bucket == nil, access(root, R_OK | X_OK) == 0 else { return nil }
        let suffix = "." + DownloadPlanner.recordingExtension
        var totals = ArchiveTotals(recordings: 0, sizeBytes: 0)
        DirectoryWalker.visitFiles(
            under: root, descends: { $0.lastPathComponent != ArchiveRoot.stateFolderName }
        ) { relativePath in
            var info = stat()
            if relativePath.hasSuffix(suffix), lstat(root + "/" + relativePath, &info) == 0 {
                totals.recordings += 1
                totals.sizeBytes += Int(info.st_size)
            }
            return true
        }
        return totals
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
