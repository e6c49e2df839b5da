import Foundation
import Testing

@testable import ArchiverCore

/// The small text helpers that replace Foundation's in the shipped binary, checked against Foundation itself.
@Suite struct FoundationFreeTextTests {
    @Test func decimalTextMatchesPrintfAwayFromTies() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            // Values with at most 4 decimals after a random scale: never exactly halfway at 1 or 3 digits.
            let value = Double(Int.random(in: -10_000_000...10_000_000, using: &generator)) / 10_000 + 0.000_01
            for digits in [0, 1, 3] {
                #expect(
                    value.decimalText(fractionDigits: digits) == String(format: "%.\(digits)f", value), "\(value)")
            }
        }
        #expect((-0.04).decimalText(fractionDigits: 1) == "-0.0")
        #expect(Double.infinity.decimalText(fractionDigits: 1) == "inf")
    }

    @Test(arguments: [0, 7, 42, 123, -5])
    func zeroPaddedMatchesPrintf(value: Int) {
        #expect(value.zeroPadded(width: 2) == String(format: "%02d", value))
        #expect(value.zeroPadded(width: 4) == String(format: "%04d", value))
    }

    @Test(arguments: [
        "a/b/c.json", "c.json", "/c.json", "/", "a/b/", "a.b/c", "a/.hidden", "a/b.tar.gz", "", "x/y.", "/a/b/c",
    ])
    func pathTextMatchesNSString(path: String) {
        let reference = path as NSString
        #expect(path.deletingLastPathComponent == reference.deletingLastPathComponent)
        #expect(path.lastPathComponent == reference.lastPathComponent)
        #expect(path.deletingPathExtension == reference.deletingPathExtension)
    }

    @Test(arguments: ["2026-05-01", "a b&c=d", "100%", "Zoë/Ω", "", "-._~"])
    func formEncodingKeepsOnlyASCIILettersAndDigits(value: String) {
        var asciiAlphanumerics = CharacterSet()
        asciiAlphanumerics.insert(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        #expect(APIClient.formEncoded(value) == value.addingPercentEncoding(withAllowedCharacters: asciiAlphanumerics))
        #expect(APIClient.formEncoded(value).removingPercentEncoding == value)
    }
}

/// `Retry-After` dates: the three forms of RFC 9110, against Foundation's formatter for the same instants.
@Suite struct HTTPDateTests {
    static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = format
        return formatter
    }

    @Test func everyFormParsesToTheInstantFoundationFormatted() {
        let forms = [
            Self.formatter("EEE, dd MMM yyyy HH:mm:ss 'GMT'"), Self.formatter("EEEE, dd-MMM-yy HH:mm:ss 'GMT'"),
            Self.formatter("EEE MMM d HH:mm:ss yyyy"),
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let date = Date(timeIntervalSince1970: Double(Int.random(in: 0...3_000_000_000, using: &generator)))
            for (index, form) in forms.enumerated() {
                var text = form.string(from: date)
                // asctime pads a one-digit day with a space: "Nov  6".
                if index == 2, let day = text.split(separator: " ").dropFirst(2).first, day.count == 1 {
                    text = text.replacingOccurrences(of: " \(day) ", with: "  \(day) ")
                }
                let expected = index == 1 && date.timeIntervalSince1970 >= 3_155_760_000 ? nil : date
                #expect(HTTPDate.parse(text) == expected, "\(text)")
            }
        }
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 31 Feb 2026 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49 GMT", "Sun, 06 Nvember 1994 08:49:37 GMT", "06 Nov 1994 08:49:37 GMT", "soon",
        "Sun, 06 Nov 94 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
    ])
    func malformedDatesAreRefused(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test func twoDigitYearsOfRFC850AreTheSeventiesToTheSixties() {
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(HTTPDate.parse("Monday, 06-Nov-34 08:49:37 GMT")?.timeIntervalSince1970 == 2_046_415_777)
    }
}

/// The folder walk behind `reindex` and the archive totals: regular files only, links not followed.
@Suite struct DirectoryWalkerTests {
    @Test func visitsRegularFilesSkipsLinksAndPrunedFolders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("walker-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["a/b", "skip/inner", "c"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        for file in ["top.mp4", "a/one.json", "a/b/two.json", "skip/no.json", "skip/inner/no.json", "c/three"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: "\(root)/\(file)"))
        }
        try FileManager.default.createSymbolicLink(atPath: "\(root)/c/link.json", withDestinationPath: "../top.mp4")
        try FileManager.default.createSymbolicLink(atPath: "\(root)/c/folder-link", withDestinationPath: "../a")

        var visited: [String] = []
        DirectoryWalker.visitFiles(under: root, descends: { $0 != "skip" }) {
            visited.append($0)
            return true
        }
        #expect(visited.sorted() == ["a/b/two.json", "a/one.json", "c/three", "top.mp4"])

        var firstOnly: [String] = []
        DirectoryWalker.visitFiles(under: root) {
            firstOnly.append($0)
            return false
        }
        #expect(firstOnly.count == 1)

        var none: [String] = []
        DirectoryWalker.visitFiles(under: root + "/missing") {
            none.append($0)
            return true
        }
        #expect(none.isEmpty)
    }
}
