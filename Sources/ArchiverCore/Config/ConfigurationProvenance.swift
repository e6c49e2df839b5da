/// Where the values of a loaded configuration came from: the file and how it was found, the line of each key the
/// file sets, and what the loader recorded for values a flag, a variable or a credential may give.
public struct ConfigurationProvenance: Sendable {
    /// The configuration file read (or the places searched for one).
    public var location: ConfigurationLocation
    /// The line of each dotted key the file sets to a value (`archive.root`: 12).
    var fileLines: [String: Int]
    /// Origins recorded by the loader, by dotted key; they win over `fileLines`.
    var recorded: [String: ConfigurationOrigin]

    /// A provenance; values not in `recorded` or `fileLines` are defaults.
    init(
        location: ConfigurationLocation = .none,
        fileLines: [String: Int] = [:],
        recorded: [String: ConfigurationOrigin] = [:]
    ) {
        self.location = location
        self.fileLines = fileLines
        self.recorded = recorded
    }

    /// Where the value of the dotted `key` (`archive.root`, `api.key`) came from.
    func origin(of key: String) -> ConfigurationOrigin {
        if let recorded = recorded[key] { return recorded }
        if let line = fileLines[key] { return .source(.file(key: key, path: location.path, line: line)) }
        return .defaultValue(reason: nil)
    }
}
