/// Any JSON value, kept as the API sent it so that sidecars can record a session's metadata verbatim.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member named `key` of an object; nil for other values or a missing member.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value as an integer, accepting integral numbers and digit strings (some APIs quote ids).
    public var intValue: Int? {
        switch self {
        case .integer(let value): value
        case .number(let value) where value.rounded() == value && abs(value) < 9e15: Int(value)
        case .string(let value): Int(value)
        default: nil
        }
    }

    /// The value as a string; nil for other values.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as compact JSON text (UTF-8), object members in no particular order.
    public func compactJSON() -> [UInt8] {
        var output: [UInt8] = []
        write(to: &output, indent: nil)
        return output
    }

    /// The value as indented JSON text (UTF-8, two spaces per level), object members sorted by key, ending with
    /// a newline: the form of the sidecar files, meant to be read by people too.
    public func prettyJSON() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        write(to: &output, indent: 0)
        output.append(UInt8(ascii: "\n"))
        return output
    }

    /// Appends the value; `indent` is the current depth when pretty-printing, nil for compact text.
    private func write(to output: inout [UInt8], indent: Int?) {
        switch self {
        case .null: output += "null".utf8
        case .bool(let value): output += (value ? "true" : "false").utf8
        case .integer(let value): output += String(value).utf8
        case .number(let value): output += "\(value)".utf8
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            Self.writeContainer(elements, open: "[", close: "]", to: &output, indent: indent) { element, output in
                element.write(to: &output, indent: indent.map { $0 + 1 })
            }
        case .object(let members):
            let ordered = indent == nil ? Array(members) : members.sorted { $0.key < $1.key }
            Self.writeContainer(ordered, open: "{", close: "}", to: &output, indent: indent) { member, output in
                Self.writeString(member.key, to: &output)
                output += (indent == nil ? ":" : " : ").utf8
                member.value.write(to: &output, indent: indent.map { $0 + 1 })
            }
        }
    }

    /// Writes `open`, the elements separated by commas (each on its own indented line when pretty-printing),
    /// and `close`.
    private static func writeContainer<Element>(
        _ elements: [Element],
        open: Unicode.Scalar,
        close: Unicode.Scalar,
        to output: inout [UInt8],
        indent: Int?,
        writeElement: (Element, inout [UInt8]) -> Void
    ) {
        output.append(UInt8(ascii: open))
        for (index, element) in elements.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            if let indent { newline(indent: indent + 1, to: &output) }
            writeElement(element, &output)
        }
        if let indent, !elements.isEmpty { newline(indent: indent, to: &output) }
        output.append(UInt8(ascii: close))
    }

    private static func newline(indent: Int, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\n"))
        output += repeatElement(UInt8(ascii: " "), count: indent * 2)
    }

    private static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
