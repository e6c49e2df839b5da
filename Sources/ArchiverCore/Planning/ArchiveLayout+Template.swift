import FoundationEssentials

extension ArchiveLayout {
    /// A `{name}` a template may use.
    enum Placeholder: String, CaseIterable, Sendable {
        case agentID = "agent_id"
        case agentName = "agent_name"
        case agentGroup = "agent_group"
        case sessionID = "session_id"
        case supportID = "support_id"
        case year, month, day, hour, minute, second, date, time

        /// Text from the API that may be long; it shares the component's byte budget.
        var isFreeText: Bool { self == .agentName || self == .agentGroup }

        /// The most UTF-8 bytes a fixed value can take (Int ids with sign; years up to 6 digits); 1 for free text,
        /// which is cut to fit.
        var maximumFixedBytes: Int {
            switch self {
            case .agentID, .sessionID, .supportID: 20
            case .agentName, .agentGroup: 1
            case .year: 6
            case .month, .day, .hour, .minute, .second: 2
            case .date: 14
            case .time: 6
            }
        }
    }

    /// A piece of a path component.
    enum Segment: Sendable, Equatable {
        case literal(String)
        case placeholder(Placeholder)
    }

    /// Splits `template` into components and segments, rejecting anything that could render an unsafe path.
    static func parse(_ template: String) throws(ConfigurationError) -> [[Segment]] {
        func failure(_ problem: String) -> ConfigurationError {
            .invalidLayout(
                template: template, problem: problem, source: .file(key: "archive.layout", path: nil, line: nil))
        }
        guard !template.isEmpty else { throw failure("it is empty") }
        guard !template.hasPrefix("/") else {
            throw failure("it is an absolute path; it must be relative to the archive root")
        }
        var components: [[Segment]] = []
        for component in template.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty else {
                throw failure("it has an empty path component (\"//\" or a trailing \"/\")")
            }
            let segments = try segments(of: component, failure: failure)
            if case .literal(let text) = segments.first, text.hasPrefix(".") {
                throw failure(
                    "component \"\(component)\" starts with a dot (\".\", \"..\" and hidden names are not allowed)")
            }
            if case .literal(let text) = segments.last, text.hasSuffix(".") || text.hasSuffix(" ") {
                throw failure("component \"\(component)\" ends with a dot or space")
            }
            let worstCase = segments.reduce(0) { total, segment in
                switch segment {
                case .literal(let text): total + text.utf8.count
                case .placeholder(let placeholder): total + placeholder.maximumFixedBytes
                }
            }
            guard worstCase <= PathComponentSanitizer.maximumComponentBytes else {
                throw failure(
                    "component \"\(component)\" could exceed \(PathComponentSanitizer.maximumComponentBytes) bytes"
                )
            }
            components.append(segments)
        }
        guard components.joined().contains(.placeholder(.sessionID)) else {
            throw failure("it lacks {session_id}, which keeps every recording's path unique")
        }
        return components
    }

    private static func segments(
        of component: Substring,
        failure: (String) -> ConfigurationError
    ) throws(ConfigurationError) -> [Segment] {
        var segments: [Segment] = []
        var literal = ""
        var name: String?
        for character in component {
            switch (character, name) {
            case ("{", nil):
                if !literal.isEmpty { segments.append(.literal(literal)) }
                literal = ""
                name = ""
            case ("{", _?):
                throw failure("a \"{\" opens inside another placeholder")
            case ("}", nil):
                throw failure("a \"}\" has no matching \"{\"")
            case ("}", let open?):
                guard let placeholder = Placeholder(rawValue: open) else {
                    throw failure("unknown placeholder {\(open)}")
                }
                segments.append(.placeholder(placeholder))
                name = nil
            case (_, let open?):
                name = open + String(character)
            case (_, nil):
                guard !character.unicodeScalars.contains(where: isForbiddenInLiteral) else {
                    throw failure("it contains a backslash or a control character")
                }
                literal.append(character)
            }
        }
        if let name { throw failure("\"{\(name)\" is not closed with \"}\"") }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return segments
    }

    private static func isForbiddenInLiteral(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: scalar == "\\"
        }
    }
}
