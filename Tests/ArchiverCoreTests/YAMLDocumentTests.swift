import Testing

@testable import ArchiverCore
@testable import YAML

/// The libyaml reader behind the configuration file: the tree it builds, the lines it reports and what it rejects.
struct YAMLDocumentTests {
    /// A compact rendering of a node: `{key: value}`, `[a, b]`, scalars marked by style (`'s'`, `"d"`, `|l`, `>f`)
    /// and by tag when not the default (`!bool yes`).
    private func render(_ node: YAMLNode) -> String {
        let prefix = "tag:yaml.org,2002:"
        let isDefaultTag = [YAMLNode.stringTag, prefix + "seq", prefix + "map"].contains(node.tag)
        let tag = isDefaultTag ? "" : "!" + node.tag.dropFirst(prefix.count) + " "
        switch node.content {
        case .scalar(let text, .plain): return tag + text
        case .scalar(let text, .singleQuoted): return tag + "'\(text)'"
        case .scalar(let text, .doubleQuoted): return tag + "\"\(text)\""
        case .scalar(let text, .literal): return tag + "|\(text)"
        case .scalar(let text, .folded): return tag + ">\(text)"
        case .sequence(let items): return tag + "[" + items.map(render).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return tag + "{" + pairs.map { "\(render($0.key)): \(render($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    private func root(_ yaml: String) throws -> YAMLNode {
        try #require(try YAMLDocument(yaml: yaml).root)
    }

    private func pairs(_ node: YAMLNode) -> YAMLNode.Mapping {
        guard case .mapping(let pairs) = node.content else {
            Issue.record("not a mapping: \(render(node))")
            return []
        }
        return pairs
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "  # indented comment\n# another\n"])
    func findsNoDocumentInAnEmptyText(yaml: String) throws {
        #expect(try YAMLDocument(yaml: yaml).root == nil)
    }

    @Test func readsNestedMappingsInOrderWithTheirLines() throws {
        let root = try root(
            """
            # settings
            archive:
              root: /mnt/nas
              layout: "{agent_id}/{session_id}"

            transfers: 8
            """)
        #expect(render(root) == #"{archive: {root: /mnt/nas, layout: "{agent_id}/{session_id}"}, transfers: 8}"#)
        let top = pairs(root)
        #expect(root.line == 2)
        #expect(top.map(\.key.line) == [2, 6])
        #expect(pairs(top[0].value).map(\.value.line) == [3, 4])
    }

    @Test(arguments: [
        ("hosts: [a, 'b', \"c\"]\n", "{hosts: [a, 'b', \"c\"]}", [1, 1, 1]),
        ("hosts:\n  - a\n  - 'b'\n  - \"c\"\n", "{hosts: [a, 'b', \"c\"]}", [2, 3, 4]),
        ("hosts:\n- a\n- [b, c]\n", "{hosts: [a, [b, c]]}", [2, 3]),
        ("hosts: []\n", "{hosts: []}", []),
    ])
    func readsFlowAndBlockSequences(yaml: String, rendered: String, lines: [Int]) throws {
        let root = try root(yaml)
        #expect(render(root) == rendered)
        guard case .sequence(let items) = pairs(root)[0].value.content else {
            Issue.record("not a sequence: \(render(root))")
            return
        }
        #expect(items.map(\.line) == lines)
    }

    @Test func keepsTheStyleAndTagOfEveryScalar() throws {
        let root = try root(
            """
            plain: true
            single: 'true'
            double: "~"
            tagged: !!bool yes
            string: !!str null
            nothing: ~
            empty:
            literal: |
              two
              lines
            folded: >
              one
              line
            """)
        #expect(
            render(root)
                == "{plain: true, single: 'true', double: \"~\", tagged: !bool yes, string: null, nothing: ~, "
                + "empty: , literal: |two\nlines\n, folded: >one line}")
    }

    @Test func resolvesAnAliasToItsAnchor() throws {
        let root = try root("base: &hosts [a, b]\nmedia_hosts: *hosts\n")
        #expect(render(root) == "{base: [a, b], media_hosts: [a, b]}")
    }

    @Test func readsNULInsideAQuotedScalar() throws {
        #expect(pairs(try root("a: \"x\\0y\"\n")).first?.value.scalarText == "x\0y")
    }

    /// (yaml, problem, line): libyaml's syntax errors, and what the reader itself rejects.
    @Test(arguments: [
        ("archive: [\n", "did not find expected node content", 2),
        ("api:\n\tbase_url: x\n", "found character that cannot start any token", 2),
        ("api:\n  base_url: x\n bad indent: 1\n", "did not find expected key", 3),
        ("a: 1\n b: 2\n", "mapping values are not allowed in this context", 2),
        ("a: 'open\n", "found unexpected end of stream", 2),
        ("a: *nowhere\n", "found undefined alias", 1),
        ("a: 1\n---\nb: 2\n", "expected a single document but found another", 2),
        ("a: 1\nb: \u{1}\n", "control characters are not allowed", 2),
        ("transfers: 4\ntransfers: 5\n", "duplicate key transfers", 1),
        ("a: 1\nb: 2\nb: 3\na: 4\n", "duplicate key a, b", 1),
        ("x:\n  c: 1\n  d: 2\n  'd': 3\n", "duplicate key d", 3),
        ("a: &a [*a]\n", "values nested more than 64 levels deep (is an alias inside its own anchor?)", 1),
        (String(repeating: "[", count: 70) + String(repeating: "]", count: 70), "values nested more than 64", 1),
    ])
    func reportsTheProblemAndItsLine(yaml: String, problem: String, line: Int) throws {
        let error = try #require(throws: YAMLError.self) { try YAMLDocument(yaml: yaml) }
        #expect(error.problem.hasPrefix(problem), "\(error)")
        #expect(error.line == line, "\(error)")
    }

    @Test func acceptsKeysThatDifferOnlyInTag() throws {
        let root = try root("true: 1\n!!bool true: 2\n")
        #expect(render(root) == "{true: 1, !bool true: 2}")
    }

    @Test func acceptsAnExplicitEndOfDocument() throws {
        #expect(render(try root("a: 1\n...\n")) == "{a: 1}")
    }

    @Test func stopsAnAliasThatExpandsExponentially() throws {
        let yaml = """
            a: &a [x, x, x, x, x, x, x, x, x, x]
            b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
            c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
            d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
            e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
            f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
            """
        let error = try #require(throws: YAMLError.self) { try YAMLDocument(yaml: yaml) }
        #expect(error.problem == "more than 10000 values once aliases are expanded")
    }
}
