/// Why YAML text could not be read as one document, and where.
public struct YAMLError: Error, Equatable {
    /// What is wrong: libyaml's own words ("did not find expected key") or the reader's ("duplicate key transfers").
    public var problem: String
    /// The 1-based line of the problem, when known.
    public var line: Int?

    /// libyaml failed without saying why (it ran out of memory, or handed back a node it cannot have made).
    static let parserFailed = YAMLError(problem: "the YAML parser failed", line: nil)
}
