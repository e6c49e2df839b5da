public import Foundation
import Glibc

/// What a run did, for the `--report` JSON and the one-line summary.
public struct RunReport: Sendable, Codable, Equatable {
    /// Whether this was a `--dry-run`, which downloads and writes nothing.
    public var isDryRun: Bool
    public var startedAt: Date
    public var finishedAt: Date
    /// Recordings the API listed (valid or not).
    public var listed: Int
    /// Recordings downloaded and filed in this run.
    public var downloaded: Int
    /// Recordings already archived with the expected size.
    public var skipped: Int
    /// Recordings that could not be archived; `failures` says why.
    public var failed: Int
    /// Bytes of the recordings downloaded in this run.
    public var bytesDownloaded: Int
    /// In dry runs: how many recordings a real run would download.
    public var wouldDownload: Int?
    /// In dry runs: how many bytes a real run would download.
    public var wouldDownloadBytes: Int?
    /// Each failed recording with its reason.
    public var failures: [RecordingFailure]

    /// 0 when every recording is archived (or, in a dry run, could be planned), 1 when some failed.
    public var exitCode: Int32 { failed == 0 ? 0 : 1 }

    /// The one-line summary printed at the end of every run.
    public var summary: String {
        let seconds = finishedAt.timeIntervalSince(startedAt)
        let duration = String(format: "%.1f s", seconds)
        if isDryRun {
            return "dry run: \(listed) listed, \(skipped) already archived, would download \(wouldDownload ?? 0) "
                + "(\(ByteCount.format(wouldDownloadBytes ?? 0))), \(failed) unusable, in \(duration)"
        }
        return "\(downloaded) downloaded (\(ByteCount.format(bytesDownloaded))), \(skipped) already archived, "
            + "\(failed) failed, of \(listed) listed, in \(duration)"
    }

    enum CodingKeys: String, CodingKey {
        case isDryRun = "dry_run"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case listed, downloaded, skipped, failed
        case bytesDownloaded = "bytes_downloaded"
        case wouldDownload = "would_download"
        case wouldDownloadBytes = "would_download_bytes"
        case failures
    }

    /// The report as pretty JSON, dates in ISO 8601.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Writes the JSON report to `path` atomically (temporary file, fsync, rename).
    /// - Throws: `ArchiverError.archiveUnwritable` naming the path.
    public func write(toFile path: String) throws(ArchiverError) {
        guard let data = try? jsonData() else { throw .archiveUnwritable(path: path, errno: EINVAL) }
        let temporaryPath = "\(path).tmp-\(getpid())"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        let failure =
            data.withUnsafeBytes { Filer.writeAll($0, to: descriptor) } ?? (fsync(descriptor) == 0 ? nil : errno)
        close(descriptor)
        guard failure == nil, rename(temporaryPath, path) == 0 else {
            let reason = failure ?? errno
            unlink(temporaryPath)
            throw .archiveUnwritable(path: path, errno: reason)
        }
    }
}

/// Human-readable byte counts (binary units).
public enum ByteCount {
    /// `1536` → `"1.5 KiB"`.
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
