public import FoundationEssentials
import Prometheus

/// The metrics of the last `verify`, in the Prometheus text format, for node_exporter's textfile collector.
///
/// Meant for a file of its own beside the sync's (each command replaces its whole file). No `build_info` here:
/// the sync's file carries it, and the collector rejects a series that two files both define.
public struct VerifyMetrics: Sendable {
    /// The metric names, all with the prefix `getscreen_archiver_verify_` or `getscreen_archiver_last_verify_`.
    enum Name {
        static let checked = "getscreen_archiver_verify_recordings_checked"
        static let ok = "getscreen_archiver_verify_recordings_ok"
        static let missing = "getscreen_archiver_verify_recordings_missing"
        static let truncated = "getscreen_archiver_verify_recordings_truncated"
        static let corrupted = "getscreen_archiver_verify_recordings_corrupted"
        static let notCatalogued = "getscreen_archiver_verify_recordings_not_catalogued"
        static let lastVerify = "getscreen_archiver_last_verify_timestamp_seconds"
        static let exitCode = "getscreen_archiver_last_verify_exit_code"
        static let error = "getscreen_archiver_last_verify_error"
    }

    /// When the verify ended.
    var finishedAt: Date
    /// The process's exit code.
    var exitCode: Int32
    /// What it found; nil when it could not run.
    var report: VerifyReport?
    /// Why it could not run; nil when it ran.
    var errorCode: ArchiverError.Code?

    /// The metrics of a verify that ran (`report`) or could not (`errorCode`).
    public init(finishedAt: Date, exitCode: Int32, report: VerifyReport?, errorCode: ArchiverError.Code?) {
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.report = report
        self.errorCode = errorCode
    }

    /// The metrics as Prometheus text exposition format, in a stable order.
    func text() -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ value: Int, labels: [(String, String)] = []) {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels
            ).set(Double(value))
        }
        gauge(Name.lastVerify, "End of the last verify, unix seconds.", Int(finishedAt.timeIntervalSince1970.rounded()))
        gauge(
            Name.exitCode, "Exit code of the last verify: 0 all ok, 1 problems found, 2 usage, 3 could not run.",
            Int(exitCode))
        if let errorCode {
            gauge(Name.error, "Why the last verify could not run, by code.", 1, labels: [("code", errorCode.rawValue)])
        }
        if let report {
            gauge(Name.checked, "Recordings the last verify checked.", report.checked)
            gauge(Name.ok, "Recordings whose size and SHA-256 matched the catalog.", report.ok)
            gauge(Name.missing, "Catalogued recordings that are missing or unreadable.", report.missing.count)
            gauge(Name.truncated, "Recordings whose size differs from the catalog's.", report.truncated.count)
            gauge(Name.corrupted, "Recordings whose SHA-256 differs from the catalog's.", report.corrupted.count)
            gauge(Name.notCatalogued, "Recordings in the archive that the catalog lacks.", report.notCatalogued.count)
        }
        return PrometheusText.sorted(registry.emitToString())
    }

    /// Writes the metrics to `path` atomically (mode 0644, read by node_exporter's user).
    /// - Throws: `ArchiverError.outputUnwritable` naming the path.
    public func write(toFile path: String) throws(ArchiverError) {
        try AtomicFile.write(Data(text().utf8), to: path, mode: 0o644)
    }
}
