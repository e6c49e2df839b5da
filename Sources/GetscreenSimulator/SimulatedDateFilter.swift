/// What `history/list`'s `date_from` and `date_to` filter on. The API description does not say: its own example
/// answers `date_from` equal to the listed session's `stop`, so the real filter may be on the start, on the stop,
/// or on any overlap of the session with the period. The archiver must be right under each.
public enum SimulatedDateFilter: Sendable, CaseIterable {
    /// The session started in the period (`date_from <= start <= date_to`).
    case start
    /// The session stopped in the period (`date_from <= stop <= date_to`).
    case stop
    /// The session and the period overlap (`start <= date_to` and `stop >= date_from`).
    case overlap

    /// Whether a session running from `start` to `stop` passes the filter; a missing bound does not filter.
    func admits(start: Int, stop: Int, from: Int?, to: Int?) -> Bool {
        let (first, last) =
            switch self {
            case .start: (start, start)
            case .stop: (stop, stop)
            case .overlap: (stop, start)
            }
        return (from.map { first >= $0 } ?? true) && (to.map { last <= $0 } ?? true)
    }
}
