public import FoundationEssentials

/// The time window a sync lists (`date_from`, `date_to`), and whether finishing it moves the watermark.
///
/// Nightly syncs are incremental: they list from the last successful sync's watermark minus an overlap
/// (`sync.overlap`: a recording can appear after its session ended) up to the run's start. `--from` wins;
/// `--full` walks all history; with no watermark (first run, or a rebuilt catalog) all history is listed.
public struct SyncWindow: Sendable, Equatable {
    /// Sessions that started at or after this time; `nil` for the whole history.
    public var dateFrom: Date?
    /// Sessions that started at or before this time.
    public var dateTo: Date
    /// Whether a sync of this window that ends with exit code 0 may record `dateTo` as the new watermark.
    ///
    /// Only when it covered every agent and left no gap after the previous watermark: a sync limited by
    /// `--agent`, or by a `--from` later than the watermark, proves nothing about the history it skipped.
    public var advancesWatermark: Bool

    /// Creates a window directly.
    public init(dateFrom: Date?, dateTo: Date, advancesWatermark: Bool) {
        self.dateFrom = dateFrom
        self.dateTo = dateTo
        self.advancesWatermark = advancesWatermark
    }

    /// The window of a sync.
    /// - Parameters:
    ///   - options: The sync's `--from`, `--to`, `--full` and `--agent`.
    ///   - watermark: The last successful sync's `date_to`, if any.
    ///   - overlap: `sync.overlap`.
    ///   - runStart: When the run started; the default `date_to`.
    public init(options: SyncOptions, watermark: Date?, overlap: Duration, runStart: Date) {
        if let from = options.from {
            dateFrom = from
        } else if options.isFullWalk {
            dateFrom = nil
        } else {
            dateFrom = watermark.map { $0.addingTimeInterval(-Self.seconds(overlap)) }
        }
        dateTo = options.to ?? runStart
        let leavesNoGap: Bool
        if let dateFrom {
            leavesNoGap = watermark.map { dateFrom <= $0 } ?? false
        } else {
            leavesNoGap = true
        }
        advancesWatermark = options.agentIDs.isEmpty && leavesNoGap
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
