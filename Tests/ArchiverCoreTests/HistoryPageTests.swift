import Foundation
import Testing

@testable import ArchiverCore
@testable import JSON

/// The list-page reader, which reads sessions straight from a page's bytes, against the reference: the page parsed
/// into a tree of values (`JSONValue(parsing:)`) and each item read with `Session(listItem:)`.
@Suite struct HistoryPageTests {
    /// A usable item, with `extra` members first (so that duplicated names in it come before these).
    static func item(_ extra: String = "", id: String = "5") -> String {
        let members =
            #""id": \#(id), "start": 1770000000, "agent": {"id": 7, "name": "PC"}, "video": {"url": "https://st.getscreen.me/5.mp4", "size": 100}"#
        return "{" + (extra.isEmpty ? "" : extra + ", ") + members + "}"
    }

    static func page(_ items: [String], head: String = #""offset": 0, "limit": 100, "total": 3"#) -> String {
        "{\(head), \"data\": [\(items.joined(separator: ", "))]}"
    }

    /// Reads `text` both ways and expects the same outcome, item by item.
    static func expectReadsLikeTheReference(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let body = Array(text.utf8)
        let reference = Result { () throws(JSONValue.ParseError) in try JSONValue(parsing: body) }
        let read = Result { () throws(JSONValue.ParseError) in try HistoryPage.parse(body) }
        switch (reference, read) {
        case (.failure(let expected), .failure(let error)):
            #expect(error == expected, "\(text)", sourceLocation: sourceLocation)
        case (.success(let json), .success(let page)):
            guard case .array(let elements)? = json["data"] else {
                #expect(throws: ArchiverError.self, "\(text)", sourceLocation: sourceLocation) { try page.get() }
                return
            }
            let page = try page.get()
            #expect(page.limit == json["limit"]?.intValue.flatMap { $0 > 0 ? $0 : nil }, sourceLocation: sourceLocation)
            #expect(
                page.total == json["total"]?.intValue.flatMap { $0 >= 0 ? $0 : nil }, sourceLocation: sourceLocation)
            try #require(page.items.count == elements.count, "\(text)", sourceLocation: sourceLocation)
            for (item, element) in zip(page.items, elements) {
                switch item.result {
                case .success(let session):
                    // The item's text as the API sent it, which reads back as the item.
                    #expect(try JSONValue(parsing: session.metadataJSON) == element, sourceLocation: sourceLocation)
                    let expected = try Session(listItem: element, rawJSON: session.metadataJSON)
                    #expect(session == expected, "\(text)", sourceLocation: sourceLocation)
                    #expect(item.key == .id(session.id), sourceLocation: sourceLocation)
                case .failure(let error):
                    // The item's text as the API sent it, kept with the failing session.
                    let itemJSON = try #require(error.itemJSON, sourceLocation: sourceLocation)
                    #expect(try JSONValue(parsing: itemJSON) == element, sourceLocation: sourceLocation)
                    let expected = #expect(throws: InvalidSessionItem.self, sourceLocation: sourceLocation) {
                        try Session(listItem: element, rawJSON: itemJSON)
                    }
                    #expect(error == expected, "\(text)", sourceLocation: sourceLocation)
                    let key: HistoryPage.ItemKey = error.sessionID.map { .id($0) } ?? .content(element)
                    #expect(item.key == key, sourceLocation: sourceLocation)
                }
            }
        default:
            Issue.record(
                "one reading failed and the other did not: \(reference) \(read)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [
        // Usable items, with members the session does not need (checked, not kept).
        [item(), item(#""client": [{"geo": {"ip": "10.0.0.1"}}], "stop": 1770000100, "support_id": 3"#, id: "6")],
        // Names and strings written with escapes; non-ASCII text.
        [
            #"{"i\u0064": 8, "start": 1770000000, "agent": {"\u0069d": 7, "name": "Бухгалтерия \ud83d\ude00", "gr\u006fup": "\"A\"/\\B"}, "video": {"url": "https://st.getscreen.me/\u00e9.mp4", "s\u0069ze": 10}, "uid": "ab\u0063"}"#
        ],
        // Duplicated names: the first wins, even when it is unusable.
        [item(#""id": null"#), item(#""agent": 5"#), item(#""video": {"url": ""}"#), item(#""start": -1"#, id: "9")],
        [item(#""uid": 3, "uid": "x""#), item(#""support_id": "4", "stop": 1.5e9"#, id: "10")],
        // Numbers and digit strings the way `intValue` reads them.
        [item(id: #""42""#), item(id: "4.0"), item(id: "1E+2"), item(id: "4.5"), item(id: "-0"), item(id: "-5")],
        [item(#""start": "1770000000""#, id: "11"), item(#""video": {"url": "u", "size": "100"}"#, id: "12")],
        [item(#""video": {"url": "u", "size": 1e300}"#, id: "13"), item(id: "12345678901234567890")],
        // Items that are not objects, or lack what a session needs.
        [
            "[]", "null", #""text""#, "3", "{}", #"{"id": 3}"#,
            #"{"agent": {"id": 1}, "video": {"url": "u", "size": 1}}"#,
        ],
        [#"{"id": 3, "start": 1770000000, "agent": {"name": "x"}, "video": {"url": "u", "size": 1}}"#],
        // Whitespace everywhere.
        [
            "\n{ \"id\" :\t5 ,\r\n \"start\" : 1770000000 , \"agent\" : { \"id\" : 7 } , \"video\" : { \"url\" : \"u\" , \"size\" : 1 } }\n"
        ],
        [],
    ])
    func itemsReadAsTheirTreeWould(items: [String]) throws {
        try Self.expectReadsLikeTheReference(Self.page(items))
    }

    @Test(arguments: [
        // The page's shape.
        #"{"data": [], "total": -3, "limit": 0}"#,
        #"{"limit": "20", "total": 5.0, "total": 7, "data": [], "data": [1]}"#,
        #"{"data": null, "data": []}"#,
        #"{"items": []}"#,
        "[1, 2]",
        "  17  ",
        // Not JSON, inside or outside the items: the same error at the same byte.
        "",
        "<html>502 Bad Gateway</html>",
        #"{"data": [{"id": 1,}]}"#,
        #"{"data": [{"id": 1}] "#,
        #"{"data": [{"id": 1, "x": 1e400}]}"#,
        #"{"data": [{"id": 1, "x": "\ud800"}]}"#,
        #"{"data": [{"id": 1, "x": tru}]}"#,
        #"{"data": [{"id": 1}], "total": 01}"#,
        #"{"data": [{"id": 1, "x": [1 2]}]}"#,
        #"{"data": [{"id": "\x"}]}"#,
        #"{"data": []} {}"#,
        // Cut anywhere.
        #"{"data":"#,
        #"{"data": ["#,
        #"{"data": [{"id": 1, "agent": "#,
        #"{"data": [{"id": 1, "video": "#,
        #"{"data": [{"id": 1, "video": {"url": "#,
        #"{"total": "#,
    ])
    func pagesReadAsTheirTreeWould(text: String) throws {
        try Self.expectReadsLikeTheReference(text)
    }

    @Test func invalidUTF8AndDeepNestingAreRefusedAsTheTreeRefusesThem() throws {
        let bad: [UInt8] = Array(#"{"data": [{"id": 1, "x": ""#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8)
        let expected = #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: bad) }
        let error = #expect(throws: JSONValue.ParseError.self) { try HistoryPage.parse(bad) }
        #expect(error == expected)
        // Items sit at depth 2 and their members at 3: 252 more arrays are allowed, 253 are not.
        for levels in [252, 253] {
            let deep = String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
            try Self.expectReadsLikeTheReference(Self.page([Self.item(#""deep": \#(deep)"#)]))
        }
    }

    @Test func eachSessionKeepsItsItemsTextAsTheAPISentIt() throws {
        let first = #"{"id":1,"start":1770000000,"agent":{"id":7,"name":"A\u00e9"},"video":{"url":"u","size":1}}"#
        let second =
            #"{ "id": 2, "start": 1770000000, "agent": {"id": 7}, "video": {"url": "u", "size": 1}, "x": [1, {}] }"#
        let page = try HistoryPage.parse(Array(#"{"total": 2, "data": [ \#(first) ,\#(second)]}"#.utf8)).get()
        let texts = try page.items.map { String(decoding: try $0.result.get().metadataJSON, as: UTF8.self) }
        #expect(texts == [first, second])
    }
}
