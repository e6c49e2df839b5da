import Foundation
import FuzzDriver

@testable import ArchiverCore
@testable import JSON

/// Feeds arbitrary bytes through what `APIClient` does with a `history/list` answer (`HistoryPage.parse`, which
/// reads sessions straight from the bytes) and checks it against the reference: the direct JSON parser
/// (`JSONValue(parsing:)`), the page's shape, then `Session(listItem:)` for every item. Errors are expected;
/// crashes, traps, a parse that is not deterministic, the two readings disagreeing and broken invariants are not.
private let planner = DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc)

func fuzzPageDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Array(UnsafeRawBufferPointer(start: start, count: count))
    let parsed = Result { () throws(JSONValue.ParseError) in try JSONValue(parsing: body) }
    let read = Result { () throws(JSONValue.ParseError) in try HistoryPage.parse(body) }
    switch (parsed, read) {
    case (.failure(let error), .failure(let readError)):
        precondition((0...count).contains(error.offset), "parse error offset \(error.offset) outside 0...\(count)")
        precondition(readError == error, "the page reader refused with \(readError), the parser with \(error)")
        return 0
    case (.success, .success): break
    case (.failure(let error), .success):
        preconditionFailure("the page reader accepted what the parser refused: \(error)")
    case (.success, .failure(let error)):
        preconditionFailure("the page reader refused what the parser accepted: \(error)")
    }
    guard case .success(let json) = parsed, case .success(let answer) = read else { return 0 }
    precondition((try? JSONValue(parsing: body)) == json, "parsing is not deterministic")
    guard case .array(let elements)? = json["data"] else {
        guard case .failure = answer else { preconditionFailure("a page without a data array was accepted") }
        return 0
    }
    guard case .success(let page) = answer else { preconditionFailure("a page with a data array was refused") }
    precondition(page.total == json["total"]?.intValue.flatMap { $0 >= 0 ? $0 : nil }, "total read differently")
    precondition(page.limit == json["limit"]?.intValue.flatMap { $0 > 0 ? $0 : nil }, "limit read differently")
    precondition(page.total.map { $0 >= 0 } ?? true, "a negative total was kept")
    precondition(page.limit.map { $0 > 0 } ?? true, "a non-positive limit was kept")
    precondition(page.items.count == elements.count, "\(page.items.count) items read of \(elements.count)")
    for (item, element) in zip(page.items, elements) {
        switch item.result {
        case .success(let session):
            precondition((try? JSONValue(parsing: session.metadataJSON)) == element, "an item's bytes read differently")
            precondition(
                (try? Session(listItem: element, rawJSON: session.metadataJSON)) == session,
                "a session read differently")
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
            do {
                _ = try Session(listItem: element)
                preconditionFailure("an item the reference reads was refused: \(invalid)")
            } catch {
                precondition(error == invalid, "an item was refused as \(invalid), by the reference as \(error)")
            }
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
