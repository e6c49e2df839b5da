import ArchiverCore
import Foundation
import FuzzDriver

/// Feeds arbitrary bytes through what `APIClient` does with a `history/list` answer: JSON decoding, the page's
/// shape, then `Session(listItem:)` for every item. Errors are expected; crashes, traps and broken invariants are
/// not.
private let planner = DownloadPlanner(layout: .default, timeZone: TimeZone(identifier: "UTC")!)

func fuzzPageDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Data(bytes: start, count: count)
    guard let json = try? JSONDecoder().decode(JSONValue.self, from: body) else { return 0 }
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
