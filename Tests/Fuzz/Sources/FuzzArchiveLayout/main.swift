import Foundation
import FuzzDriver

@testable import ArchiverCore

/// Renders arbitrary templates and field values and checks what every rendered path must be: relative, the
/// template's number of components (no `/` smuggled in by a value), no empty, `.` or `..` component, no leading
/// dot, no trailing dot or space, no control character or backslash, at most the component byte budget, and the
/// session id intact.
///
/// Input: `template 0xFF agent-name 0xFF agent-group 0xFF numbers`, where the strings are decoded as UTF-8
/// (invalid bytes become U+FFFD; 0xFF never occurs in UTF-8) and `numbers` is up to 33 bytes: agent id, session
/// id, support id and start (unix seconds) as little-endian 64-bit integers, then a time zone selector.
func fuzzArchiveLayout(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let parts = bytes.split(separator: 0xFF, maxSplits: 3, omittingEmptySubsequences: false)
    func text(_ index: Int) -> String { index < parts.count ? String(decoding: parts[index], as: UTF8.self) : "" }
    let template = text(0)
    guard let layout = try? ArchiveLayout(template: template) else { return 0 }
    var numbers = parts.count > 3 ? Array(parts[3]) : []
    numbers += Array(repeating: 0, count: max(0, 33 - numbers.count))
    func integer(_ index: Int) -> Int {
        numbers[(index * 8)..<(index * 8 + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
    }
    // The values `Session(listItem:)` lets through: a positive session id, a start at or after 1970.
    let sessionID = max(1, integer(1) & Int.max)
    let startSeconds = integer(3) & Int.max
    let fields = LayoutFields(
        agentID: integer(0),
        agentName: text(1),
        agentGroup: parts.count > 2 && !parts[2].isEmpty ? text(2) : nil,
        sessionID: sessionID,
        supportID: numbers[32] & 1 == 0 ? integer(2) : nil,
        start: Date(timeIntervalSince1970: TimeInterval(startSeconds))
    )
    let zones = ["UTC", "Europe/Berlin", "Pacific/Kiritimati", "America/St_Johns", "Asia/Kathmandu"]
    let timeZone = ArchiveTimeZone(identifier: zones[Int(numbers[32] >> 1) % zones.count])!

    let path = layout.relativePath(for: fields, timeZone: timeZone)
    let components = path.split(separator: "/", omittingEmptySubsequences: false)
    let templateComponents = template.split(separator: "/", omittingEmptySubsequences: false)
    precondition(!path.hasPrefix("/"), "absolute path \(path.debugDescription)")
    precondition(
        components.count == templateComponents.count,
        "\(components.count) components from \(templateComponents.count): \(path.debugDescription)"
    )
    for component in components {
        precondition(!component.isEmpty, "empty component in \(path.debugDescription)")
        precondition(component != "." && component != "..", "dot component in \(path.debugDescription)")
        precondition(!component.hasPrefix("."), "hidden component in \(path.debugDescription)")
        precondition(
            !component.hasSuffix(".") && !component.hasSuffix(" "), "trailing dot or space in \(path.debugDescription)")
        precondition(
            component.utf8.count <= PathComponentSanitizer.maximumComponentBytes,
            "component of \(component.utf8.count) bytes in \(path.debugDescription)"
        )
        for scalar in component.unicodeScalars {
            let category = scalar.properties.generalCategory
            precondition(
                scalar != "\\" && category != .control && category != .lineSeparator
                    && category != .paragraphSeparator,
                "forbidden scalar U+\(String(scalar.value, radix: 16)) in \(path.debugDescription)"
            )
        }
    }
    precondition(path.contains(String(sessionID)), "session id \(sessionID) lost from \(path.debugDescription)")
    precondition(path == layout.relativePath(for: fields, timeZone: timeZone), "rendering is not deterministic")
    return 0
}

var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&arguments, &argv) { data, size in
        fuzzArchiveLayout(UnsafeRawPointer(data) ?? UnsafeRawPointer(bitPattern: 1)!, size)
    })
