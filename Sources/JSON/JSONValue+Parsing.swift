import FoundationEssentials

extension JSONValue {
    /// Why bytes are not a JSON document.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong.
        var reason: String
        /// The byte offset where it was found.
        var offset: Int

        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// Nesting deeper than this is refused rather than risking the stack on hostile input.
    static let maximumDepth = 256

    /// Parses a complete JSON document (RFC 8259): one value, surrounded by nothing but whitespace.
    ///
    /// A direct parser over the bytes: several times faster than `JSONDecoder` into a `Codable` enum, which
    /// matters for listings of 100,000 sessions. Integers that fit `Int` stay exact; strings must be UTF-8.
    /// - Throws: `ParseError` naming the problem and its byte offset.
    public init(parsing bytes: [UInt8]) throws(ParseError) {
        self = try bytes.withUnsafeBufferPointer { buffer throws(ParseError) in
            var parser = JSONParser(bytes: buffer)
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error("unexpected data after the document") }
            return value
        }
    }
}

/// The state of one parse; see `JSONValue(parsing:)`. `HistoryPage` reads list pages with it too, skipping what
/// it does not need (`skipValue(depth:)`) with exactly the checks that building the value would make.
public struct JSONParser {
    public let bytes: UnsafeBufferPointer<UInt8>
    public var index = 0

    public init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The byte at `index`; nil at the end of the data.
    public var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    public func error(_ reason: String) -> JSONValue.ParseError {
        JSONValue.ParseError(reason: reason, offset: index)
    }

    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    public mutating func parseValue(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth < JSONValue.maximumDepth else { throw error("nesting deeper than \(JSONValue.maximumDepth)") }
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of data") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    mutating func parseLiteral(_ text: StaticString, _ value: JSONValue) throws(JSONValue.ParseError) -> JSONValue {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of data") }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] {
            throw error("invalid literal")
        }
        index += count
        return value
    }

    mutating func parseObject(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        var members: [String: JSONValue] = [:]
        try readObject { parser, name throws(JSONValue.ParseError) in
            let key = name.text(in: parser.bytes)
            let value = try parser.parseValue(depth: depth + 1)
            if members[key] == nil { members[key] = value }  // the first of duplicated names wins, as in Foundation
        }
        return .object(members)
    }

    mutating func parseArray(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        var elements: [JSONValue] = []
        try readArray { parser throws(JSONValue.ParseError) in elements.append(try parser.parseValue(depth: depth + 1))
        }
        return .array(elements)
    }

    /// Reads the object at `index` member by member: `member` gets each name, with `index` at the start of its
    /// value (whitespace skipped), and must read that value.
    public mutating func readObject(
        _ member: (inout JSONParser, MemberName) throws(JSONValue.ParseError) -> Void
    ) throws(JSONValue.ParseError) {
        index += 1  // {
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let name = try parseMemberName()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            try member(&self, name)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of data in an object") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw error("expected ',' or '}'")
            }
        }
    }

    /// Reads the array at `index` element by element: `element` is called with `index` at the start of each
    /// element (whitespace skipped) and must read it.
    public mutating func readArray(
        _ element: (inout JSONParser) throws(JSONValue.ParseError) -> Void
    ) throws(JSONValue.ParseError) {
        index += 1  // [
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of data in an array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw error("expected ',' or ']'")
            }
        }
    }

    /// Checks the value at `index` and moves past it, building nothing: it accepts and refuses exactly what
    /// `parseValue(depth:)` does, with the same reasons and offsets.
    public mutating func skipValue(depth: Int) throws(JSONValue.ParseError) {
        guard depth < JSONValue.maximumDepth else { throw error("nesting deeper than \(JSONValue.maximumDepth)") }
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of data") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try readObject { parser, _ throws(JSONValue.ParseError) in try parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            try readArray { parser throws(JSONValue.ParseError) in try parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): _ = try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): _ = try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): _ = try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            let isIntegral = try scanNumber()
            // Up to 18 digits always fit `Int`; anything else is converted as `parseNumber` would, to refuse the
            // same out-of-range numbers.
            if !isIntegral || index - start > 18 { _ = try numberValue(from: start, isIntegral: isIntegral) }
        default: throw error("unexpected character")
        }
    }

    /// A member name: where its text lies when it is plain ASCII without escapes (nearly always), else the text.
    public enum MemberName {
        case plain(Range<Int>)
        case decoded(String)

        /// Whether the name is `expected`.
        public func `is`(_ expected: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            let expectedBytes = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
            switch self {
            case .plain(let range): return UnsafeBufferPointer(rebasing: bytes[range]).elementsEqual(expectedBytes)
            case .decoded(let text): return text.utf8.elementsEqual(expectedBytes)
            }
        }

        /// The name as a string.
        func text(in bytes: UnsafeBufferPointer<UInt8>) -> String {
            switch self {
            case .plain(let range): String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            case .decoded(let text): text
            }
        }
    }

    /// The string at `index` as a member name, without building a `String` when it is plain ASCII.
    mutating func parseMemberName() throws(JSONValue.ParseError) -> MemberName {
        let start = index
        if let range = scanPlainString() { return .plain(range) }
        index = start
        return .decoded(try parseString())
    }

    /// Moves past the string at `index`, checking it as `parseString()` does.
    mutating func skipString() throws(JSONValue.ParseError) {
        let start = index
        if scanPlainString() != nil { return }
        index = start
        _ = try parseString()
    }

    /// Moves past the string at `index` and returns the range of its text when it is printable ASCII without
    /// escapes (valid as it stands); nil, with `index` somewhere inside, for any other string.
    private mutating func scanPlainString() -> Range<Int>? {
        index += 1  // opening quote
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return start..<index - 1
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        return nil
    }

    mutating func parseString() throws(JSONValue.ParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes. ASCII needs no UTF-8 validation (which is costly per call).
        var union: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if union < 0x80 { return String(decoding: slice, as: UTF8.self) }
                guard let text = String(validating: slice, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string")
                }
                return text
            }
            union |= byte
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw error("control character in a string") }
            index += 1
        }
        var scalars: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: scalars, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string")
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of data in a string") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"): scalars.append(contentsOf: try parseUnicodeEscape())
                default: throw error("invalid escape")
                }
            case 0..<0x20:
                throw error("control character in a string")
            default:
                scalars.append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    /// The UTF-8 of `\uXXXX` (the `\u` already read), joining a surrogate pair.
    mutating func parseUnicodeEscape() throws(JSONValue.ParseError) -> [UInt8] {
        var value = try parseHex4()
        if (0xD800..<0xDC00).contains(value) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("lone surrogate in a string") }
            index += 2
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair in a string") }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(value) {
            throw error("lone surrogate in a string")
        }
        guard let scalar = Unicode.Scalar(value) else { throw error("invalid code point in a string") }
        return Array(String(Character(scalar)).utf8)
    }

    mutating func parseHex4() throws(JSONValue.ParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of data in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func parseNumber() throws(JSONValue.ParseError) -> JSONValue {
        let start = index
        let isIntegral = try scanNumber()  // before the call below, which reads `index`
        return try numberValue(from: start, isIntegral: isIntegral)
    }

    /// Moves past the number at `index`, checking its grammar.
    /// - Returns: whether it is written as an integer (no fraction, no exponent).
    mutating func scanNumber() throws(JSONValue.ParseError) -> Bool {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var isIntegral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isIntegral = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isIntegral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        return isIntegral
    }

    /// The value of the number scanned from `start` to `index`: an exact integer when it is written as one and
    /// fits `Int`, else a finite double.
    func numberValue(from start: Int, isIntegral: Bool) throws(JSONValue.ParseError) -> JSONValue {
        let digits = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if isIntegral, digits.count <= 18 {
            // Fits `Int` whatever the digits: no text to build.
            let isNegative = digits[0] == UInt8(ascii: "-")
            var magnitude = 0
            for digit in digits.dropFirst(isNegative ? 1 : 0) { magnitude = magnitude * 10 + Int(digit &- 0x30) }
            return .integer(isNegative ? -magnitude : magnitude)
        }
        let text = String(decoding: digits, as: UTF8.self)
        if isIntegral, let integer = Int(text) { return .integer(integer) }
        guard let number = Double(text), number.isFinite else { throw error("number out of range") }
        return .number(number)
    }

    func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
