import FoundationEssentials

/// The time window a sync lists (`date_from`, `date_to`), and whether finishing it moves the watermark.
///
/// Nightly syncs are incremental: they list from the last successful sync's watermark minus an overlap
/// (`sync.overlap`) up to the run's start. What `date_from` and `date_to` filter on is not documented: the
/// session's start, its stop, or its overlap with the period. Under start filtering, a session is listed by the
/// first run after its recording appears only if the window reaches back to its start, so the overlap must cover
/// the longest session plus the longest delay before a recording appears (the default, 14 days, covers 7 + 7).
/// `--from` wins; `--full`, a full walk due by `sync.full_every`, and a missing watermark (first run, or a rebuilt
/// catalog) list all history.
struct SyncWindow: Sendable, Equatable {
    /// The start of the listed period (`date_from`); `nil` for the whole history.
    var dateFrom: Date?
    /// The end of the listed period (`date_to`).
    var dateTo: Date
    /// Whether a sync of this window that ends with exit code 0 may record `dateTo` as the new watermark.
    ///
    /// Only when it covered every agent and left no gap after the previous watermark: a sync limited by
    /// `--agent`, or by a `--from` later than the watermark, proves nothing about the history it skipped.
    var advancesWatermark: Bool

    /// Creates a window directly.
    init(dateFrom: Date?, dateTo: Date, advancesWatermark: Bool) {
        self.dateFrom = dateFrom
        self.dateTo = dateTo
        self.advancesWatermark = advancesWatermark
    }

    /// The window of a run with `options`, from the watermark and the last full walk `catalog` records (nil: no
    /// catalog yet) and the configuration's overlap and full-walk interval.
    init(
        options: SyncOptions, catalog: Catalog?, configuration: ArchiverConfiguration, runStart: Date
    ) throws(ArchiverError) {
        self.init(
            options: options, watermark: try catalog?.lastSuccessfulSync(), overlap: configuration.syncOverlap,
            runStart: runStart,
            fullWalks: FullWalkSchedule(
                interval: configuration.syncFullEvery, lastFullWalk: try catalog?.lastFullWalk()?.dateTo))
    }

    /// The window of a sync.
    /// - Parameters:
    ///   - options: The sync's `--from`, `--to`, `--full` and `--agent`.
    ///   - watermark: The last successful sync's `date_to`, if any.
    ///   - overlap: `sync.overlap`.
    ///   - runStart: When the run started; the default `date_to`.
    ///   - fullWalks: When a run of all agents walks all history by itself (`sync.full_every`); nil for never.
    init(
        options: SyncOptions, watermark: Date?, overlap: Duration, runStart: Date, fullWalks: FullWalkSchedule? = nil
    ) {
        dateTo = options.to ?? runStart
        if let from = options.from {
            dateFrom = from
        } else if options.isFullWalk || (options.agentIDs.isEmpty && fullWalks?.isDue(listingUpTo: dateTo) == true) {
            dateFrom = nil
        } else {
            dateFrom = watermark.map { $0.addingTimeInterval(-overlap.timeInterval) }
        }
        let leavesNoGap: Bool
        if let dateFrom {
            leavesNoGap = watermark.map { dateFrom <= $0 } ?? false
        } else {
            leavesNoGap = true
        }
        advancesWatermark = options.agentIDs.isEmpty && leavesNoGap
    }

    /// Whether this window lists all history of every agent: a sync of it that may move the watermark is a full
    /// walk, recorded for `sync.full_every`.
    var walksAllHistory: Bool { dateFrom == nil && advancesWatermark }

    /// Whether `history/list` lists a session running from `start` to `stop` in this window whatever its date
    /// filter means (start, stop or overlap): when the whole session lies in the window. An unknown stop counts as
    /// the start.
    func listsWhateverTheFilter(start: Date, stop: Date?) -> Bool {
        (dateFrom.map { start >= $0 } ?? true) && (stop ?? start) <= dateTo
    }
}
