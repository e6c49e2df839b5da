/// What a `history/list` page says in its `limit` member. The description documents `limit` as the number of items
/// in the list; a real server may echo what was asked for, or leave it out.
public enum SimulatedLimitEcho: Sendable {
    /// The number of items the server actually pages by (the default).
    case truthful
    /// The `limit` the request asked for, even when the server served fewer (`maxPageLimit`).
    case requested
    /// No `limit` member at all.
    case omitted
}
