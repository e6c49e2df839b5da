/// One node of a YAML document as libyaml composed it: a scalar, a sequence or a mapping, with its tag and line.
///
/// Values are not resolved to types here; the configuration reader decides what a plain `true` or `~` means.
public struct YAMLNode {
    /// How a scalar was written.
    public enum ScalarStyle: Equatable {
        case plain
        case singleQuoted
        case doubleQuoted
        /// A `|` block.
        case literal
        /// A `>` block.
        case folded
    }

    /// What the node holds. Sequences may be written in block (`- a`) or flow (`[a]`) style, mappings likewise.
    public enum Content {
        case scalar(String, style: ScalarStyle)
        case sequence([YAMLNode])
        case mapping(Mapping)
    }

    /// The pairs of a mapping in the order they were written; no two keys are the same scalar.
    public typealias Mapping = [(key: YAMLNode, value: YAMLNode)]

    /// The tag libyaml gives a scalar without an explicit tag (and one tagged `!` or `!!str`).
    public static let stringTag = "tag:yaml.org,2002:str"
    /// The tag of a value written `!!bool`.
    public static let boolTag = "tag:yaml.org,2002:bool"
    /// The tag of a value written `!!null`.
    public static let nullTag = "tag:yaml.org,2002:null"

    public var content: Content
    /// The explicit tag in full (`!!bool` is `tag:yaml.org,2002:bool`), or libyaml's default for the kind of node:
    /// `stringTag` for scalars, `tag:yaml.org,2002:seq` and `tag:yaml.org,2002:map` for collections.
    public var tag: String
    /// The 1-based line where the node starts.
    public var line: Int

    /// The text of a scalar; `nil` for a collection.
    public var scalarText: String? {
        guard case .scalar(let text, _) = content else { return nil }
        return text
    }
}
