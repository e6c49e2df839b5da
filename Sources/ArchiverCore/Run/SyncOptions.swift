public import FoundationEssentials

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
