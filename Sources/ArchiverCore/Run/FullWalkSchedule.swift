import FoundationEssentials

/// When a nightly sync walks all history instead of its incremental window (`sync.full_every`).
///
/// Incremental runs list only the last days, so a recording that vanished from the archive further back (deleted
/// on the NAS, lost in a restore) would never come back. A full walk plans all of history against the archive
/// again. Time is the listing's: a full walk counts from its `date_to` (a nightly run's start), so that runs
/// limited with `--to` follow the history they list.
struct FullWalkSchedule: Sendable, Equatable {
    /// `sync.full_every`: the longest stretch of history between two full walks; zero walks all of it every run.
    var interval: Duration
    /// The `date_to` of the last full walk the catalog records; nil when it records none.
    var lastFullWalk: Date?

    /// Creates a schedule.
    init(interval: Duration, lastFullWalk: Date?) {
        self.interval = interval
        self.lastFullWalk = lastFullWalk
    }

    /// Whether a run listing up to `dateTo` walks all history: when no full walk is recorded, when the interval is
    /// zero, or when `dateTo` is `interval` or more after the last full walk's `date_to`.
    func isDue(listingUpTo dateTo: Date) -> Bool {
        guard let lastFullWalk, interval > .zero else { return true }
        return dateTo.timeIntervalSince(lastFullWalk) >= interval.timeInterval
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
