/// One line of `check`'s checklist: what was checked, what was found, and what to do when it is not right.
public struct CheckItem: Sendable, Equatable {
    /// How a check came out.
    public enum Status: String, Sendable {
        /// It is as a run needs it.
        case ok
        /// A run would fail, or lose recordings, because of it.
        case failed = "FAIL"
        /// A run works, but something deserves a look.
        case warning
        /// Not checked, because an earlier check failed (the reason says which).
        case skipped = "skip"
    }

    /// How it came out.
    var status: Status
    /// What was checked and what was found, on one line, starting with the topic ("API key accepted: …").
    var text: String
    /// What to do, for a failure or a warning whose `text` does not say it already.
    var fix: String?

    /// Creates an item.
    public init(_ status: Status, _ text: String, fix: String? = nil) {
        self.status = status
        self.text = text
        self.fix = fix
    }

    /// The item as printed: the status padded to a column, the text, and the fix on a line of its own.
    public var lines: [String] {
        let label = status.rawValue + String(repeating: " ", count: max(1, 9 - status.rawValue.count))
        return [label + text] + (fix.map { [String(repeating: " ", count: 9) + "fix: " + $0] } ?? [])
    }
}

/// What `check` found: one item per check, in order.
public struct CheckList: Sendable {
    /// The checks, in the order they ran.
    var items: [CheckItem] = []

    /// Creates an empty list.
    init() {}

    /// Appends an item.
    mutating func append(_ status: CheckItem.Status, _ text: String, fix: String? = nil) {
        items.append(CheckItem(status, text, fix: fix))
    }

    /// 0 when no check failed (warnings allowed), 1 otherwise.
    public var exitCode: Int32 { items.contains { $0.status == .failed } ? 1 : 0 }

    /// The closing line: how many checks passed, failed, warned and were skipped.
    var summary: String {
        func count(_ status: CheckItem.Status) -> Int { items.count { $0.status == status } }
        return "check: \(count(.ok)) ok, \(count(.failed)) failed, \(count(.warning)) warnings, "
            + "\(count(.skipped)) skipped"
    }

    /// Every item's lines, then the summary, each ending with a newline.
    public var text: String {
        (items.flatMap(\.lines) + [summary]).map { $0 + "\n" }.joined()
    }
}
