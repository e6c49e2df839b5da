import Foundation
import Testing

@testable import ArchiverCore
@testable import JSON

/// The page decoder: the same values as Foundation's `JSONDecoder` on valid JSON, a clear error otherwise.
@Suite struct JSONValueParsingTests {
    @Test(arguments: [
        #"{"a": 1, "b": [true, false, null], "c": {"d": "e"}}"#,
        #"[-0, 0, 12, -9223372036854775808, 9223372036854775807, 1.5, -2.5e-3, 9223372036854775808]"#,
        #""esc \" \\ \/ \b \f \n \r \t \u00e9 \u20AC \ud83d\ude00 end""#,
        #"  {"unicode": "Бухгалтерия-ПК 👨‍👩‍👧", "empty": "", "arr": [], "obj": {}}  "#,
        #"{"dup": 1, "dup": 2}"#,
        "17",
        "null",
    ])
    func parsesLikeFoundation(document: String) throws {
        let bytes = Array(document.utf8)
        let ours = try JSONValue(parsing: bytes)
        let foundation = try JSONDecoder().decode(FoundationDecoded.self, from: Data(bytes)).value
        #expect(ours == foundation)
    }

    @Test(arguments: [
        ("", "unexpected end of data"),
        ("{", "expected a member name"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"{"a": 1,}"#, "expected a member name"),
        ("[1, 2", "unexpected end of data in an array"),
        ("[1 2]", "expected ',' or ']'"),
        ("01", "unexpected data after the document"),
        ("1.", "invalid number"),
        ("-", "invalid number"),
        ("1e400", "number out of range"),
        ("tru", "unexpected end of data"),
        ("nul1", "invalid literal"),
        (#""abc"#, "unterminated string"),
        ("\"a\u{1}b\"", "control character in a string"),
        (#""\x""#, "invalid escape"),
        (#""\ud800""#, "lone surrogate in a string"),
        (#""\u12G4""#, #"invalid hex digit in a \u escape"#),
        ("<html><body>502 Bad Gateway</body></html>", "unexpected character"),
        ("{} {}", "unexpected data after the document"),
    ])
    func refusesWhatIsNotJSON(document: String, reason: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: Array(document.utf8)) }
        do {
            _ = try JSONValue(parsing: Array(document.utf8))
        } catch {
            #expect(error.reason == reason, "\(document): \(error)")
        }
    }

    @Test func readsIntegralNumbersWrittenWithAnExponentAsIntegers() throws {
        #expect(try JSONValue(parsing: Array("1E+2".utf8)).intValue == 100)
        #expect(try JSONValue(parsing: Array("4.0".utf8)).intValue == 4)
        #expect(try JSONValue(parsing: Array("4.5".utf8)).intValue == nil)
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0xFE, 0x22]) }
        let deep = Array(String(repeating: "[", count: 10_000).utf8) + Array(String(repeating: "]", count: 10_000).utf8)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: deep) }
        let allowed = Array(String(repeating: "[", count: 200).utf8) + Array(String(repeating: "]", count: 200).utf8)
        #expect(throws: Never.self) { try JSONValue(parsing: allowed) }
    }

    @Test(arguments: [
        #"{"a": [1, -2, 3.25, true, false, null], "b": "quote \" slash \\ newline \n tab \t ctl \u0001 é"}"#,
        #"[]"#, #"{}"#, #""plain""#,
    ])
    func compactAndPrettyJSONReadBackAsTheSameValue(document: String) throws {
        let value = try JSONValue(parsing: Array(document.utf8))
        #expect(try JSONValue(parsing: value.compactJSON()) == value)
        #expect(try JSONValue(parsing: value.prettyJSON()) == value)
    }

    @Test func prettyJSONIndentsAndSortsKeys() throws {
        let value = try JSONValue(parsing: Array(#"{"b": [1, {"d": null, "c": "x/y"}], "a": {}, "e": []}"#.utf8))
        let expected = """
            {
              "a" : {},
              "b" : [
                1,
                {
                  "c" : "x/y",
                  "d" : null
                }
              ],
              "e" : []
            }

            """
        #expect(String(decoding: value.prettyJSON(), as: UTF8.self) == expected)
    }
}

/// A value decoded by Foundation's `JSONDecoder`, the reference the direct parser is compared with.
private struct FoundationDecoded: Decodable {
    let value: JSONValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let bool = try? container.decode(Bool.self) {
            value = .bool(bool)
        } else if let integer = try? container.decode(Int.self) {
            value = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            value = .number(number)
        } else if let string = try? container.decode(String.self) {
            value = .string(string)
        } else if let elements = try? container.decode([FoundationDecoded].self) {
            value = .array(elements.map(\.value))
        } else {
            value = .object(try container.decode([String: FoundationDecoded].self).mapValues(\.value))
        }
    }
}
