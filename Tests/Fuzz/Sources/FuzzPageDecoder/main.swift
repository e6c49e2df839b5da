import ArchiverCore
import Foundation
import FuzzDriver

/// Feeds arbitrary bytes through what `APIClient` does with a `history/list` answer: the direct JSON parser
/// (`JSONValue(parsing:)`), the page's shape, then `Session(listItem:)` for every item. Errors are expected;
/// crashes, traps, a parse that is not deterministic and broken invariants are not.
private let planner = DownloadPlanner(layout: .default, timeZone: TimeZone(identifier: "UTC")!)

func fuzzPageDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Array(UnsafeRawBufferPointer(start: start, count: count))
    let parsed = Result { () throws(JSONValue.ParseError) in try JSONValue(parsing: body) }
    if case .failure(let error) = parsed {
        precondition((0...count).contains(error.offset), "parse error offset \(error.offset) outside 0...\(count)")
    }
    guard case .success(let json) = parsed else { return 0 }
    precondition((try? JSONValue(parsing: body)) == json, "parsing is not deterministic")
    // The list-page reading the API client uses: the same document, and each `data` element's recorded bytes
    // parse to that element.
    guard let (page, ranges) = try? JSONValue.parsingListPage(body) else {
        preconditionFailure("parsingListPage refused a document that parsing accepted")
    }
    precondition(page == json, "parsingListPage read another document")
    if case .array(let elements)? = json["data"], !ranges.isEmpty {
        precondition(ranges.count == elements.count, "\(ranges.count) ranges for \(elements.count) items")
        for (element, range) in zip(elements, ranges) {
            precondition((try? JSONValue(parsing: Array(body[range]))) == element, "an item's bytes read differently")
        }
    }
    guard let page = try? HistoryPage(json: json) else { return 0 }
    precondition(page.total.map { $0 >= 0 } ?? true, "a negative total was kept")
    precondition(page.limit.map { $0 > 0 } ?? true, "a non-positive limit was kept")
    for result in page.sessions() {
        switch result {
        case .success(let session):
            precondition(session.id > 0, "session id \(session.id) accepted")
            precondition(!session.video.url.isEmpty, "empty video URL accepted")
            precondition((0...(1 << 40)).contains(session.video.sizeBytes), "size \(session.video.sizeBytes) accepted")
            precondition(session.start.timeIntervalSince1970 >= 0, "negative start accepted")
            // What the run does next with a session: render its path and its sidecar's URL.
            let path = planner.relativePath(for: session)
            precondition(path.contains(String(session.id)), "session id lost from \(path)")
            _ = URLRedaction.strippingKey(from: session.video.url)
        case .failure(let invalid):
            precondition(!invalid.reason.isEmpty, "invalid item without a reason")
        }
    }
    return 0
}

var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&arguments, &argv) { data, size in
        fuzzPageDecoder(UnsafeRawPointer(data) ?? UnsafeRawPointer(bitPattern: 1)!, size)
    })
