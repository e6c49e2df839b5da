internal import CYAML

/// The one document in a YAML text, read with libyaml's document loader into a tree of `YAMLNode`s.
///
/// The loader resolves an alias to the very node its anchor names, so a node can appear more than once in the tree
/// and an anchor can even contain its own alias. The tree is therefore built under a depth and a node-count limit,
/// which a configuration file never comes near but which stop a cyclic or exponential ("billion laughs") alias.
public struct YAMLDocument {
    /// The deepest nesting accepted; the configuration file uses three levels.
    static let maximumDepth = 64
    /// The most nodes accepted, counting a node reached through an alias every time it is reached.
    static let maximumNodeCount = 10_000

    /// The root node; `nil` when the text holds no document (it is empty, or only comments).
    public let root: YAMLNode?

    /// Parses `yaml`, which may hold at most one document.
    /// - Throws: `YAMLError` for a syntax error, a second document, a key repeated in a mapping, or a tree beyond
    ///   `maximumDepth` or `maximumNodeCount`.
    public init(yaml: String) throws(YAMLError) {
        var text = yaml
        let result = text.withUTF8 { bytes in Result { () throws(YAMLError) in try Self.root(of: bytes) } }
        root = try result.get()
    }

    private static func root(of bytes: UnsafeBufferPointer<UInt8>) throws(YAMLError) -> YAMLNode? {
        // libyaml refuses a null input pointer, and an empty text holds no document anyway.
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return nil }
        // The parser points into itself (it is its own input handler's context), so it gets a fixed address rather
        // than living in a Swift variable passed as `&parser`.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { throw .parserFailed }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, start, bytes.count)

        let root = try loadDocument(parser, bytes: bytes) { document throws(YAMLError) -> YAMLNode? in
            guard let root = yaml_document_get_root_node(document) else { return nil }
            var composer = Composer(document: document)
            return try composer.node(root, depth: 0)
        }
        guard root != nil else { return nil }
        try loadDocument(parser, bytes: bytes) { document throws(YAMLError) in
            guard yaml_document_get_root_node(document) == nil else {
                let line = Int(document.pointee.start_mark.line) + 1
                throw YAMLError(problem: "expected a single document but found another", line: line)
            }
        }
        return root
    }

    /// Loads the next document of the stream and passes it to `body`; the document is deleted when `body` returns.
    private static func loadDocument<Value>(
        _ parser: UnsafeMutablePointer<yaml_parser_t>, bytes: UnsafeBufferPointer<UInt8>,
        _ body: (UnsafeMutablePointer<yaml_document_t>) throws(YAMLError) -> Value
    ) throws(YAMLError) -> Value {
        let document = UnsafeMutablePointer<yaml_document_t>.allocate(capacity: 1)
        document.initialize(to: yaml_document_t())
        defer { document.deallocate() }
        // yaml_parser_load zeroes the document before it starts and deletes it itself when it fails; deleting a
        // zeroed document frees nothing, so this is right on every path.
        defer { yaml_document_delete(document) }
        guard yaml_parser_load(parser, document) == 1 else { throw error(of: parser.pointee, in: bytes) }
        return try body(document)
    }

    /// The error the parser stopped at, with libyaml's 0-based marks turned into 1-based lines.
    private static func error(of parser: yaml_parser_t, in bytes: UnsafeBufferPointer<UInt8>) -> YAMLError {
        guard let problem = parser.problem.map({ String(cString: $0) }) else {
            return .parserFailed
        }
        switch parser.error {
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR, YAML_COMPOSER_ERROR:
            return YAMLError(problem: problem, line: Int(parser.problem_mark.line) + 1)
        case YAML_READER_ERROR:
            // A reader error (a control character, invalid UTF-8) has a byte offset instead of a mark.
            let offset = min(parser.problem_offset, bytes.count)
            let line = bytes[..<offset].count { $0 == UInt8(ascii: "\n") } + 1
            return YAMLError(problem: problem, line: line)
        default:
            return .parserFailed
        }
    }
}

/// Builds `YAMLNode`s from one loaded libyaml document, counting nodes against `YAMLDocument`'s limits.
///
/// Holds a pointer into the document, so it must not outlive the `loadDocument` body it was made in.
private struct Composer {
    let document: UnsafeMutablePointer<yaml_document_t>
    /// The nodes built so far.
    var nodeCount = 0

    /// The node at `index` (1-based, as libyaml's sequence items and mapping pairs refer to nodes).
    mutating func node(at index: Int32, depth: Int) throws(YAMLError) -> YAMLNode {
        guard let node = yaml_document_get_node(document, index) else {
            throw .parserFailed
        }
        return try self.node(node, depth: depth)
    }

    mutating func node(_ node: UnsafeMutablePointer<yaml_node_t>, depth: Int) throws(YAMLError) -> YAMLNode {
        let line = Int(node.pointee.start_mark.line) + 1
        nodeCount += 1
        guard nodeCount <= YAMLDocument.maximumNodeCount else {
            throw YAMLError(
                problem: "more than \(YAMLDocument.maximumNodeCount) values once aliases are expanded", line: line)
        }
        guard depth <= YAMLDocument.maximumDepth else {
            throw YAMLError(
                problem: "values nested more than \(YAMLDocument.maximumDepth) levels deep "
                    + "(is an alias inside its own anchor?)",
                line: line)
        }
        // The loader gives every node a tag, its kind's default when none was written.
        let tag = node.pointee.tag.map { String(cString: $0) } ?? ""
        switch node.pointee.type {
        case YAML_SEQUENCE_NODE:
            let items = node.pointee.data.sequence.items
            var elements: [YAMLNode] = []
            for item in Self.elements(items.start, items.top) {
                elements.append(try self.node(at: item, depth: depth + 1))
            }
            return YAMLNode(content: .sequence(elements), tag: tag, line: line)
        case YAML_MAPPING_NODE:
            let pairs = node.pointee.data.mapping.pairs
            var entries: YAMLNode.Mapping = []
            for pair in Self.elements(pairs.start, pairs.top) {
                let key = try self.node(at: pair.key, depth: depth + 1)
                entries.append((key, try self.node(at: pair.value, depth: depth + 1)))
            }
            try Self.checkUniqueKeys(entries)
            return YAMLNode(content: .mapping(entries), tag: tag, line: line)
        case YAML_SCALAR_NODE:
            let scalar = node.pointee.data.scalar
            // Read by length: the value may contain NUL. libyaml hands out UTF-8 whatever the input encoding.
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            return YAMLNode(content: .scalar(text, style: Self.style(scalar.style)), tag: tag, line: line)
        default:
            throw .parserFailed
        }
    }

    /// Rejects a mapping that repeats a scalar key (same text and tag), which YAML forbids but libyaml lets through.
    /// Names every repeated key, and the line where the first of them (in sorted order) first appears.
    private static func checkUniqueKeys(_ entries: YAMLNode.Mapping) throws(YAMLError) {
        var firstLines: [ScalarKey: Int] = [:]
        var repeated: Set<ScalarKey> = []
        for (key, _) in entries {
            guard let text = key.scalarText else { continue }
            let identity = ScalarKey(text: text, tag: key.tag)
            if firstLines[identity] == nil { firstLines[identity] = key.line } else { repeated.insert(identity) }
        }
        let sorted = repeated.sorted { ($0.text, $0.tag) < ($1.text, $1.tag) }
        guard let first = sorted.first else { return }
        throw YAMLError(
            problem: "duplicate key \(sorted.map(\.text).joined(separator: ", "))", line: firstLines[first])
    }

    private struct ScalarKey: Hashable {
        var text: String
        var tag: String
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    /// The elements of one of libyaml's stacks, from `start` up to (not including) `top`.
    private static func elements<T>(_ start: UnsafeMutablePointer<T>?, _ top: UnsafeMutablePointer<T>?)
        -> UnsafeBufferPointer<T>
    {
        guard let start, let top else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: start, count: start.distance(to: top))
    }
}
