import ObjectStorage

/// An AWS shared credentials file, as `aws configure` writes `~/.aws/credentials` and rclone and restic read it:
///
/// ```
/// # comment
/// [default]
/// aws_access_key_id = AKIAIOSFODNN7EXAMPLE
/// aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
/// ```
///
/// Lines starting with `#` or `;` are comments (a `#` later in a line is part of the value, as for the AWS CLI);
/// key names are case-insensitive; surrounding whitespace is ignored; other keys (`aws_session_token`, `region`)
/// are ignored. Problems name a line or a key, never a value, so that a secret never reaches a message.
enum S3CredentialsFile {
    /// The key naming the access key ID.
    static let accessKeyIDKey = "aws_access_key_id"
    /// The key naming the secret access key.
    static let secretAccessKeyKey = "aws_secret_access_key"

    /// The key pair of `profile` in `text`.
    /// - Returns: the credentials, or why there are none (for `ConfigurationError.invalidS3CredentialsFile`).
    static func credentials(in text: String, profile: String) -> Result<S3Credentials, Problem> {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        // CRLF is one Character, which `isNewline` matches like LF.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(rawLine).trimmingWhitespaceAndNewlines()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else { return .failure(.malformedLine(index + 1)) }
                let name = String(line.dropFirst().dropLast()).trimmingWhitespaceAndNewlines()
                current = name
                if profiles[name] == nil { profiles[name] = [:] }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { return .failure(.malformedLine(index + 1)) }
            guard let current else { return .failure(.outsideProfile(index + 1)) }
            let key = String(line[..<equals]).trimmingWhitespaceAndNewlines().lowercased()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespaceAndNewlines()
            guard !key.isEmpty else { return .failure(.malformedLine(index + 1)) }
            profiles[current, default: [:]][key] = value
        }
        guard let entries = profiles[profile] else { return .failure(.noProfile(profile)) }
        for key in [accessKeyIDKey, secretAccessKeyKey] where (entries[key] ?? "").isEmpty {
            return .failure(.missingKey(key, profile: profile))
        }
        return .success(
            S3Credentials(
                accessKeyID: entries[accessKeyIDKey] ?? "", secretAccessKey: entries[secretAccessKeyKey] ?? ""))
    }

    /// Why a credentials file gives no key pair; the description names lines, profiles and keys only.
    enum Problem: Error, Equatable, CustomStringConvertible {
        /// A line that is neither a comment, a `[profile]` line nor `key = value`.
        case malformedLine(Int)
        /// A `key = value` line before the first `[profile]` line.
        case outsideProfile(Int)
        /// No `[profile]` section of that name. The names there are are not listed: a key pasted between brackets
        /// would be one.
        case noProfile(String)
        /// The profile lacks the key, or leaves it empty.
        case missingKey(String, profile: String)

        var description: String {
            switch self {
            case .malformedLine(let line):
                "line \(line) is neither a comment, a [PROFILE] line nor a key = value line"
            case .outsideProfile(let line):
                "line \(line) comes before the first [PROFILE] line"
            case .noProfile(let profile):
                "it has no profile [\(profile)] (s3.profile)"
            case .missingKey(let key, let profile):
                "profile [\(profile)] has no \(key), or it is empty"
            }
        }
    }
}
