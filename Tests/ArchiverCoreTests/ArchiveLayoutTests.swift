import Foundation
import Testing

@testable import ArchiverCore
@testable import JSON

struct ArchiveLayoutTests {
    /// Session 27233 of the API reference: agent 1001 "DESKTOP-SJBU5PO", started 2020-12-22 18:04:33 UTC.
    static func fields(agentName: String = "DESKTOP-SJBU5PO", agentGroup: String? = "Accounting") -> LayoutFields {
        LayoutFields(
            agentID: 1001,
            agentName: agentName,
            agentGroup: agentGroup,
            sessionID: 27233,
            supportID: 1002,
            start: Date(timeIntervalSince1970: 1_608_660_273)
        )
    }

    static let utc = ArchiveTimeZone.utc

    @Test func rendersDefaultLayoutForReferenceSession() {
        let path = ArchiveLayout.default.relativePath(for: Self.fields(), timeZone: Self.utc)
        #expect(path == "DESKTOP-SJBU5PO-1001/2020/12/22/180433_27233")
        #expect(ArchiveLayout.default.template == ArchiveLayout.defaultTemplate)
    }

    @Test(arguments: [
        ("UTC", "DESKTOP-SJBU5PO-1001/2020/12/22/180433_27233"),
        ("Asia/Tokyo", "DESKTOP-SJBU5PO-1001/2020/12/23/030433_27233"),
        ("America/Los_Angeles", "DESKTOP-SJBU5PO-1001/2020/12/22/100433_27233"),
        ("Asia/Kolkata", "DESKTOP-SJBU5PO-1001/2020/12/22/233433_27233"),
    ])
    func shiftsDatePartsByTimeZone(identifier: String, expected: String) throws {
        let zone = try #require(ArchiveTimeZone(identifier: identifier))
        #expect(ArchiveLayout.default.relativePath(for: Self.fields(), timeZone: zone) == expected)
    }

    @Test func rendersEveryPlaceholder() throws {
        let layout = try ArchiveLayout(
            template: "{agent_group}/{support_id}/{date}/{year}.{month}.{day} {hour}-{minute}-{second}/"
                + "{agent_id}_{agent_name}_{time}_{session_id}"
        )
        #expect(
            layout.relativePath(for: Self.fields(), timeZone: Self.utc)
                == "Accounting/1002/2020-12-22/2020.12.22 18-04-33/1001_DESKTOP-SJBU5PO_180433_27233"
        )
        var fields = Self.fields(agentGroup: nil)
        fields.supportID = nil
        #expect(
            layout.relativePath(for: fields, timeZone: Self.utc)
                == "no-group/none/2020-12-22/2020.12.22 18-04-33/1001_DESKTOP-SJBU5PO_180433_27233"
        )
    }

    @Test(arguments: [nil, "", "   ", "\n"])
    func rendersBlankGroupAsNoGroup(group: String?) throws {
        let layout = try ArchiveLayout(template: "{agent_group}/{session_id}")
        #expect(layout.relativePath(for: Self.fields(agentGroup: group), timeZone: Self.utc) == "no-group/27233")
    }

    @Test(arguments: [
        ("../../x", "___.._x-1001"),
        ("a/b", "a_b-1001"),
        ("..", "__-1001"),
        (".", "_-1001"),
        (".hidden", "_hidden-1001"),
        ("\u{0}evil", "_evil-1001"),
        ("line\nbreak", "line_break-1001"),
        ("cr\r\nlf", "cr__lf-1001"),
        ("tab\there", "tab_here-1001"),
        ("back\\slash", "back_slash-1001"),
        ("del\u{7F}c1\u{85}", "del_c1_-1001"),
        ("sep\u{2028}para\u{2029}", "sep_para_-1001"),
        ("", "_-1001"),
        ("trailing. . ", "trailing-1001"),
        ("Бухгалтерия-ПК", "Бухгалтерия-ПК-1001"),
        (String(repeating: "A", count: 300), String(repeating: "A", count: 100) + "-1001"),
    ])
    func sanitizesHostileAgentNames(name: String, expectedFirstComponent: String) {
        let path = ArchiveLayout.default.relativePath(for: Self.fields(agentName: name), timeZone: Self.utc)
        #expect(path == expectedFirstComponent + "/2020/12/22/180433_27233")
        Self.expectSafe(path)
    }

    @Test(arguments: [
        "../../x", "a/b", "..", "\u{0}evil", "line\nbreak", String(repeating: "A", count: 300),
        String(repeating: "Ж", count: 300), String(repeating: "👨‍👩‍👧‍👦", count: 50), "/", "//", "\\..\\..",
        ". .", "...", "\u{2028}", String(repeating: ".", count: 300) + "x", String(repeating: " ", count: 300),
    ])
    func keepsEveryComponentSafeInAnyTemplate(name: String) throws {
        let layout = try ArchiveLayout(template: "{agent_name}{agent_group}{agent_name}/{agent_name}_{session_id}")
        let path = layout.relativePath(for: Self.fields(agentName: name, agentGroup: name), timeZone: Self.utc)
        Self.expectSafe(path)
        #expect(path.hasSuffix("_27233"))
        let defaultPath = ArchiveLayout.default.relativePath(for: Self.fields(agentName: name), timeZone: Self.utc)
        Self.expectSafe(defaultPath)
        #expect(defaultPath.split(separator: "/").first?.hasSuffix("-1001") == true)
        #expect(defaultPath.split(separator: "/").count == 5)
    }

    /// No empty, `.`, `..` or dot-leading component, and none longer than 200 bytes or ending with a dot or space.
    static func expectSafe(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!path.hasPrefix("/"), sourceLocation: sourceLocation)
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            #expect(!component.isEmpty, sourceLocation: sourceLocation)
            #expect(!component.hasPrefix("."), "\(component)", sourceLocation: sourceLocation)
            #expect(!component.hasSuffix(".") && !component.hasSuffix(" "), sourceLocation: sourceLocation)
            #expect(component.utf8.count <= 200, sourceLocation: sourceLocation)
            #expect(!component.contains("\\") && !component.contains("\n"), sourceLocation: sourceLocation)
            #expect(!component.unicodeScalars.contains { $0.value < 0x20 }, sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [
        (String(repeating: "Ж", count: 60), String(repeating: "Ж", count: 50)),
        (String(repeating: "😀", count: 40), String(repeating: "😀", count: 25)),
        ("a" + String(repeating: "😀", count: 40), "a" + String(repeating: "😀", count: 24)),
        (String(repeating: "👨‍👩‍👧‍👦", count: 5), String(repeating: "👨‍👩‍👧‍👦", count: 4)),
        (String(repeating: "e\u{301}", count: 40), String(repeating: "e\u{301}", count: 33)),
        (String(repeating: "A", count: 99) + " x", String(repeating: "A", count: 99)),
        (String(repeating: "A", count: 98) + ".Ж", String(repeating: "A", count: 98)),
    ])
    func capsValuesAtCharacterBoundaries(value: String, expected: String) {
        let sanitized = PathComponentSanitizer.sanitize(value)
        #expect(sanitized == expected)
        #expect(sanitized.utf8.count <= 100)
    }

    @Test(arguments: [
        ("plain", "plain"), ("", "_"), ("..", "__"), ("...x", "___x"), ("a..", "a"), (" ", "_"), (" lead", " lead"),
        ("x/y\\z", "x_y_z"), ("\u{0}\u{1F}\u{7F}\u{80}\u{9F}", "_____"), ("Бухгалтерия-ПК", "Бухгалтерия-ПК"),
    ])
    func sanitizesValues(value: String, expected: String) {
        #expect(PathComponentSanitizer.sanitize(value) == expected)
    }

    @Test func sharesComponentBudgetBetweenFreeTextValues() throws {
        let layout = try ArchiveLayout(template: "{agent_name} {agent_group} {agent_name}-{agent_id}/{session_id}")
        let long = Self.fields(
            agentName: String(repeating: "n", count: 150), agentGroup: String(repeating: "g", count: 150))
        let first = try #require(layout.relativePath(for: long, timeZone: Self.utc).split(separator: "/").first)
        // 200 bytes minus 2 spaces and "-1001" leaves 193, split three ways: 64 bytes each.
        let name = String(repeating: "n", count: 64)
        #expect(first == "\(name) \(String(repeating: "g", count: 64)) \(name)-1001")
        #expect(first.utf8.count <= 200)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("/srv/{session_id}", "absolute path"),
        ("a//{session_id}", "empty path component"),
        ("{session_id}/", "empty path component"),
        ("./{session_id}", "starts with a dot"),
        ("../{session_id}", "starts with a dot"),
        ("x/../{session_id}", "starts with a dot"),
        (".hidden/{session_id}", "starts with a dot"),
        ("{session_id}.", "ends with a dot or space"),
        ("{session_id} ", "ends with a dot or space"),
        ("{agent_name}-{agent_id}", "lacks {session_id}"),
        ("{agent_nam}/{session_id}", "unknown placeholder {agent_nam}"),
        ("{Session_ID}", "unknown placeholder {Session_ID}"),
        ("{}/{session_id}", "unknown placeholder {}"),
        ("{session_id", "\"{session_id\" is not closed"),
        ("session_id}", "has no matching"),
        ("{a{session_id}}", "opens inside another placeholder"),
        ("x\\y/{session_id}", "backslash or a control character"),
        ("x\ny/{session_id}", "backslash or a control character"),
        (String(repeating: "x", count: 190) + "{session_id}", "could exceed 200 bytes"),
    ])
    func rejectsInvalidTemplates(template: String, problem: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try ArchiveLayout(template: template) }
        #expect(error.key == "archive.layout")
        #expect(error.code == "config_invalid_layout")
        guard case .invalidLayout(let reported, let reportedProblem, _) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(reported == template)
        #expect(reportedProblem.contains(problem), "\(reportedProblem)")
        #expect(error.description.contains(String(reflecting: template)))
        #expect(error.description.contains("{agent_id}, {agent_name}, {agent_group}, {session_id}, {support_id}"))
    }

    @Test(arguments: ["{session_id}", "{agent_id}/{session_id}", "x.{session_id}", "{date}/{time}_{session_id}.rec"])
    func acceptsValidTemplates(template: String) throws {
        #expect(try ArchiveLayout(template: template).template == template)
    }

    @Test func comparesByTemplate() throws {
        #expect(try ArchiveLayout(template: ArchiveLayout.defaultTemplate) == .default)
        #expect(try ArchiveLayout(template: "{session_id}") != .default)
        #expect(ArchiveLayout.default.description == ArchiveLayout.defaultTemplate)
    }
}

/// The layout's date arithmetic against Foundation's Calendar, across time zones with odd offsets and DST.
@Suite struct ArchiveLayoutDateTests {
    @Test(arguments: [
        "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns",
    ])
    func datePartsMatchFoundationsCalendar(zone: String) throws {
        let timeZone = try #require(ArchiveTimeZone(identifier: zone))
        let layout = try ArchiveLayout(template: "{year}/{month}/{day}/{time}_{session_id}")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: zone))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let start = Date(timeIntervalSince1970: TimeInterval(Int.random(in: 0...4_102_444_800, using: &generator)))
            let fields = LayoutFields(
                agentID: 1, agentName: "PC", agentGroup: nil, sessionID: 7, supportID: nil, start: start)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: start)
            let expected = String(
                format: "%04d/%02d/%02d/%02d%02d%02d_7", parts.year!, parts.month!, parts.day!, parts.hour!,
                parts.minute!, parts.second!)
            #expect(layout.relativePath(for: fields, timeZone: timeZone) == expected, "\(start) in \(zone)")
        }
    }
}

/// Absurd instants (found by FuzzArchiveLayout): the layout renders them instead of trapping, and a listed
/// session with such a start is refused.
@Suite struct ArchiveLayoutAbsurdInstantTests {
    @Test(arguments: [1e19, -1e19, 9.3e18, Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude])
    func absurdStartsRenderWithoutTrapping(seconds: Double) {
        let fields = LayoutFields(
            agentID: 1, agentName: "PC", agentGroup: nil, sessionID: 42, supportID: nil,
            start: Date(timeIntervalSince1970: seconds))
        let path = ArchiveLayout.default.relativePath(for: fields, timeZone: ArchiveTimeZone.utc)
        #expect(path.hasSuffix("_42"))
        #expect(path.split(separator: "/").count == 5)
    }

    @Test(arguments: [253_402_300_800, 1 << 62, -1])
    func aListedSessionWithAnAbsurdStartIsRefused(start: Int) {
        let item: JSONValue = .object([
            "id": .integer(5), "start": .integer(start), "agent": .object(["id": .integer(1)]),
            "video": .object(["url": .string("https://st.getscreen.me/5.mp4"), "size": .integer(10)]),
        ])
        #expect(throws: InvalidSessionItem.self) { try Session(listItem: item) }
    }
}
