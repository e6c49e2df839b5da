extension ConfigurationFile {
    /// Every key of the format, dotted.
    static let allKeys =
        topLevelKeys + apiKeys.map { "api." + $0 } + archiveKeys.map { "archive." + $0 }
        + syncKeys.map { "sync." + $0 } + retryKeys.map { "retry." + $0 } + timeoutKeys.map { "timeouts." + $0 }
        + s3Keys.map { "s3." + $0 }

    /// The dotted key the user probably meant by the unknown `name`: an allowed key at the same level within a
    /// small edit distance (`rot` → `archive.root`), or the same key name at another level (`root` at the top
    /// level → `archive.root`).
    static func suggestion(for name: String, parent: String?, allowed: [String]) -> String? {
        let prefix = parent.map { $0 + "." } ?? ""
        let lowered = name.lowercased()
        let ranked = allowed.map { (key: $0, distance: editDistance(lowered, $0)) }.min { $0.distance < $1.distance }
        if let ranked, ranked.distance <= (ranked.key.count >= 6 ? 2 : 1) {
            return prefix + ranked.key
        }
        return allKeys.first { $0 != prefix + lowered && $0.split(separator: ".").last.map(String.init) == lowered }
    }

    /// The Levenshtein distance between two short strings, by Character.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let lhs = Array(lhs)
        let rhs = Array(rhs)
        guard !lhs.isEmpty else { return rhs.count }
        guard !rhs.isEmpty else { return lhs.count }
        var previous = Array(0...rhs.count)
        for (i, left) in lhs.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: rhs.count)
            for (j, right) in rhs.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1))
            }
            previous = current
        }
        return previous[rhs.count]
    }
}
