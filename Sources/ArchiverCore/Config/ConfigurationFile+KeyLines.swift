import YAML
extension ConfigurationFile {
    /// The line of every dotted key that `node` (the document's root) sets to a value: the leaves of nested
    /// mappings (`archive.root`) and keys holding a list (`media_hosts`); keys left empty (`key:`, `key: ~`) are
    /// not set and not listed.
    static func dottedKeyLines(of node: YAMLNode, prefix: String? = nil) -> [String: Int] {
        guard case .mapping(let mapping) = node.content else { return [:] }
        var lines: [String: Int] = [:]
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalarText, !isNull(value) else { continue }
            let dotted = prefix.map { "\($0).\(name)" } ?? name
            if case .mapping = value.content {
                lines.merge(dottedKeyLines(of: value, prefix: dotted)) { $1 }
            } else {
                lines[dotted] = keyNode.line
            }
        }
        return lines
    }
}
