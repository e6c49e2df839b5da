import FoundationEssentials
import Glibc

extension ConfigurationLoader {
    /// The largest key file read; a real key is a few dozen bytes, so anything bigger is the wrong file.
    static let maximumKeyFileBytes = 64 * 1024

    /// Parses an API base URL and drops trailing slashes.
    /// - Throws: `ConfigurationError.invalidValue` unless it is an absolute http(s) URL with a host and no query.
    static func baseURL(from text: String, source: ConfigurationSource) throws(ConfigurationError) -> URL {
        try httpURL(
            from: text, source: source,
            expected: "an absolute http(s) URL without query, such as https://api.getscreen.me/v1")
    }

    /// Parses an absolute http(s) URL with a host and no query or fragment, and drops trailing slashes.
    /// - Parameter expected: What a right value looks like, for the message.
    /// - Throws: `ConfigurationError.invalidValue` naming `source` and `expected` otherwise.
    static func httpURL(
        from text: String, source: ConfigurationSource, expected: String
    ) throws(ConfigurationError) -> URL {
        var trimmed = text.trimmingWhitespaceAndNewlines()
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
            ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw .invalidValue(value: text, source: source, expected: expected)
        }
        return url
    }

    /// Parses a decimal number of parallel downloads and checks its range.
    static func transfers(from text: String, source: ConfigurationSource) throws(ConfigurationError) -> Int {
        guard let value = Int(text.trimmingWhitespaceAndNewlines()) else {
            throw .invalidValue(value: text, source: source, expected: transfersExpectation)
        }
        return try checkedTransfers(value, source: source)
    }

    /// Checks that `value` is within `ArchiverConfiguration.allowedTransfers`.
    static func checkedTransfers(_ value: Int, source: ConfigurationSource) throws(ConfigurationError) -> Int {
        guard ArchiverConfiguration.allowedTransfers.contains(value) else {
            throw .invalidValue(value: String(value), source: source, expected: transfersExpectation)
        }
        return value
    }

    private static var transfersExpectation: String {
        let range = ArchiverConfiguration.allowedTransfers
        return "a whole number from \(range.lowerBound) to \(range.upperBound)"
    }

    /// `path` made absolute against `currentDirectory`, with `.` and `..` resolved, a leading `~` or `~user` expanded
    /// to that home folder, and no trailing slash.
    static func absolutePath(_ path: String, currentDirectory: String) -> String {
        let base = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        return URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    }

    /// Reads the API key from `path`; messages name the path, never the contents.
    /// - Returns: the key, and a warning when the file is readable by its group or by others.
    static func readKey(from path: String, source: ConfigurationSource) throws(ConfigurationError) -> (
        APIKey, [String]
    ) {
        let file: (bytes: [UInt8], mode: mode_t)
        do {
            file = try FileBytes.contents(atPath: path, limit: maximumKeyFileBytes)
        } catch {
            let reason = error == .tooLarge ? "it is larger than 64 KiB, not a key file" : error.reason
            throw .keyFileUnreadable(path: path, source: source, reason: reason)
        }
        let warnings =
            readableByOthersWarning(of: "API key", path: path, source: source, mode: file.mode).map { [$0] } ?? []
        let bytes = file.bytes
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .keyFileUnreadable(path: path, source: source, reason: "it is not UTF-8 text")
        }
        guard let key = APIKey(text) else { throw .emptyAPIKey(source: source, keyFile: path) }
        return (key, warnings)
    }

    /// The warning about a secret's file (`what`: "API key", "S3 credentials") readable by its group or by others;
    /// nil when it is not.
    /// - Parameter mode: The mode of the file actually read (fstat on its descriptor).
    static func readableByOthersWarning(
        of what: String, path: String, source: ConfigurationSource, mode: mode_t
    ) -> String? {
        guard mode & 0o044 != 0 else { return nil }
        let octal = ArchivePermissions.octal(UInt32(mode & 0o7777))
        return "the \(what) file \(path), named by \(source), is readable by its group or by others (mode \(octal)); "
            + "restrict it with: chmod 600 \(path)"
    }
}
