import FoundationEssentials

/// Where a recording goes below the archive root, as a template such as
/// `{agent_name}-{agent_id}/{year}/{month}/{day}/{time}_{session_id}`.
///
/// The template is checked once, when the layout is created, so rendering cannot fail. Every placeholder value is
/// passed through `PathComponentSanitizer`, so a hostile agent name cannot leave the archive root, hide a file or
/// break a line; the ids and `{session_id}` (required) are never cut, so paths stay unique.
public struct ArchiveLayout: Sendable, Equatable, CustomStringConvertible {
    /// The default template.
    static let defaultTemplate = "{agent_name}-{agent_id}/{year}/{month}/{day}/{time}_{session_id}"
    /// The layout of `defaultTemplate`.
    public static let `default` = try! ArchiveLayout(template: defaultTemplate)
    /// The placeholder names a template may use, without braces.
    static var placeholderNames: [String] { Placeholder.allCases.map(\.rawValue) }

    /// The template as given.
    let template: String
    /// The parsed template: one list of segments per path component.
    let components: [[Segment]]

    /// Parses and checks a template.
    /// - Throws: `ConfigurationError.invalidLayout` for key `archive.layout` on an unknown placeholder, unbalanced
    ///   braces, an absolute path, an empty, `.`/`..` or dot-leading component, or a missing `{session_id}`.
    init(template: String) throws(ConfigurationError) {
        self.template = template
        components = try Self.parse(template)
    }

    /// The relative path of the recording without extension (the caller appends `.mp4` or `.json`), components
    /// joined by `/`; date and time placeholders use `start` in `timeZone`.
    func relativePath(for fields: LayoutFields, timeZone: ArchiveTimeZone) -> String {
        // Plain arithmetic on the local time rather than a Calendar: this runs for every listed session.
        // Clamped to years 1...9999, so that absurd instants render (oddly) instead of overflowing Int.
        let instant = fields.start.timeIntervalSince1970
        let start = instant.isFinite ? Int(min(max(instant.rounded(.down), -62_135_596_800), 253_402_300_799)) : 0
        let local = start + timeZone.secondsFromGMT(for: fields.start)
        let days = local.floorDivided(by: 86_400)
        let seconds = local - days * 86_400
        let date = TimeBound.civilFromDays(days)
        let time = LocalTime(
            year: date.year, month: date.month, day: date.day,
            hour: seconds / 3600, minute: seconds % 3600 / 60, second: seconds % 60)
        let values = PlaceholderValues(fields: fields, time: time)
        var path = ""
        path.reserveCapacity(96)
        for (index, component) in components.enumerated() {
            if index > 0 { path.append("/") }
            path.append(render(component, values: values))
        }
        return path
    }

    /// The template.
    public var description: String { template }

    /// Layouts are equal when their templates are.
    public static func == (lhs: ArchiveLayout, rhs: ArchiveLayout) -> Bool {
        lhs.template == rhs.template
    }

    /// One component: fixed values first, then the free-text values share what is left of the byte budget.
    private func render(_ segments: [Segment], values: PlaceholderValues) -> String {
        var fixedBytes = 0
        var freeTextCount = 0
        // Each value once; ids, dates and times are digits, dashes or "none": nothing to sanitize.
        let texts = segments.map { segment -> String? in
            switch segment {
            case .literal(let text):
                fixedBytes += text.utf8.count
                return text
            case .placeholder(let placeholder) where placeholder.isFreeText:
                freeTextCount += 1
                return nil
            case .placeholder(let placeholder):
                let value = values[placeholder]
                fixedBytes += value.utf8.count
                return value
            }
        }
        let freeTextBytes =
            freeTextCount == 0
            ? 0
            : min(
                PathComponentSanitizer.maximumValueBytes,
                max(1, (PathComponentSanitizer.maximumComponentBytes - fixedBytes) / freeTextCount)
            )
        var rendered = ""
        for (segment, text) in zip(segments, texts) {
            if let text {
                rendered.append(text)
            } else if case .placeholder(let placeholder) = segment {
                rendered.append(PathComponentSanitizer.sanitize(values[placeholder], maximumBytes: freeTextBytes))
            }
        }
        return PathComponentSanitizer.finished(rendered, maximumBytes: PathComponentSanitizer.maximumComponentBytes)
    }
}
