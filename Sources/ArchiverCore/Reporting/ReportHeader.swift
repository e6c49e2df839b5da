public import FoundationEssentials
import Glibc

/// Why a run could not run, or stopped early, as its report and metrics carry it: a stable code to match on and
/// the sentence printed for people.
public struct RunError: Sendable, Codable, Equatable {
    /// The stable slug (`lock_held`, `key_rejected`, …).
    public var code: ArchiverError.Code
    /// What failed and what to do, as printed after `error:`.
    var message: String

    /// Creates an error entry.
    public init(code: ArchiverError.Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The entry of `error`.
    public init(_ error: ArchiverError) {
        self.init(code: error.code, message: error.description)
    }
}

/// The members every `--report` document starts with, whatever the command and however it ended:
/// `schema_version`, `tool_version`, `exit_code` and `error` (null unless the run could not run or stopped early).
public struct ReportHeader: Sendable, Encodable, Equatable {
    /// The version of the report's layout; raised when a member changes meaning or goes away.
    static let schemaVersion = 1

    /// The process's exit code.
    var exitCode: Int32
    /// Why the run could not run or stopped early; nil otherwise.
    var error: RunError?

    /// Creates a header.
    public init(exitCode: Int32, error: RunError?) {
        self.exitCode = exitCode
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case toolVersion = "tool_version"
        case exitCode = "exit_code"
        case error
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schemaVersion, forKey: .schemaVersion)
        try container.encode(ToolVersion.current, forKey: .toolVersion)
        try container.encode(exitCode, forKey: .exitCode)
        // Explicitly null, so that `jq .error.code` reads the same on every report.
        if let error { try container.encode(error, forKey: .error) } else { try container.encodeNil(forKey: .error) }
    }
}

/// The report of a run that could not run (exit 2, 3, 75, 130 or 143): the header, the command and when it ran;
/// no counts, as there are none to trust.
public struct FailedRunReport: Sendable, Encodable, Equatable {
    /// The subcommand (`sync`, `fetch`, `verify`).
    var command: String
    /// When the run started.
    var startedAt: Date
    /// When it ended.
    var finishedAt: Date
    /// Its exit code and error.
    var header: ReportHeader

    /// Creates the report of a failed run.
    public init(command: String, startedAt: Date, finishedAt: Date, header: ReportHeader) {
        self.command = command
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.header = header
    }

    enum CodingKeys: String, CodingKey {
        case command
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    public func encode(to encoder: any Encoder) throws {
        try header.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(startedAt.iso8601UTC, forKey: .startedAt)
        try container.encode(finishedAt.iso8601UTC, forKey: .finishedAt)
    }

    /// Writes the report as pretty JSON to `path` atomically (temporary file, fsync, rename).
    /// - Throws: `ArchiverError.outputUnwritable` naming the path.
    public func write(toFile path: String) throws(ArchiverError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { throw .outputUnwritable(path: path, errno: EINVAL) }
        try AtomicFile.write(data, to: path)
    }
}
