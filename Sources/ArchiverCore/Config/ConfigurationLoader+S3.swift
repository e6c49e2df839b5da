import FoundationEssentials
import Glibc
import ObjectStorage

/// An archive in object storage: `archive.root: s3://BUCKET/PREFIX`, the `s3` section, and the key pair.
///
/// The key pair, first found wins (as for the API key): `AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY` (both, or
/// an error); the systemd credential `$CREDENTIALS_DIRECTORY/s3-credentials` (`LoadCredential=s3-credentials:…`),
/// when that file exists; the file `s3.credentials_file` names. Both files are AWS shared credentials files
/// (`S3CredentialsFile`), read at the profile `s3.profile`.
extension ConfigurationLoader {
    /// The variable holding the S3 access key ID.
    static let s3AccessKeyIDVariable = "AWS_ACCESS_KEY_ID"
    /// The variable holding the S3 secret access key.
    static let s3SecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY"
    /// `s3.region` when not set.
    static let defaultS3Region = "us-east-1"
    /// `s3.profile` when not set.
    static let defaultS3Profile = "default"

    /// The bucket and prefix of an `s3://BUCKET/PREFIX` archive root (the scheme in any case); nil for a folder.
    /// - Throws: `ConfigurationError.invalidValue` for an `s3:` root that is not a usable location (a bucket name
    ///   outside S3's rules, an empty, `.` or `..` prefix segment), and for any other `scheme://` root.
    static func bucketAddress(
        from text: String, source: ConfigurationSource
    ) throws(ConfigurationError) -> (bucket: String, prefix: String)? {
        let trimmed = text.trimmingWhitespaceAndNewlines()
        guard trimmed.lowercased().hasPrefix("s3:") else {
            if let separator = trimmed.firstRange(of: "://"), isURLScheme(trimmed[..<separator.lowerBound]) {
                throw .invalidValue(
                    value: text, source: source,
                    expected: "the path of the archive folder, or an s3://BUCKET/PREFIX location (the only kind of "
                        + "URL supported)")
            }
            return nil
        }
        let expected =
            "an s3://BUCKET/PREFIX location: a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens "
            + "that begins and ends with a letter or digit (S3's rules), then an optional key prefix of "
            + "\"/\"-separated names (no empty, \".\" or \"..\" names, no control characters)"
        guard trimmed.lowercased().hasPrefix("s3://") else {
            throw .invalidValue(value: text, source: source, expected: expected)
        }
        let location = trimmed.dropFirst("s3://".count)
        let bucket = String(location.prefix { $0 != "/" })
        var names = location.dropFirst(bucket.count).dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if names.last?.isEmpty == true { names.removeLast() }  // one trailing slash
        guard isValidBucketName(bucket),
            names.allSatisfy({ name in
                !name.isEmpty && name != "." && name != ".."
                    && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
            })
        else {
            throw .invalidValue(value: text, source: source, expected: expected)
        }
        return (bucket, names.joined(separator: "/"))
    }

    /// Whether `name` follows S3's bucket naming rules: 3 to 63 characters, lowercase ASCII letters, digits, `.`
    /// and `-`; a letter or digit first and last; no `..`; not an IPv4 address.
    static func isValidBucketName(_ name: String) -> Bool {
        let characters = Array(name.utf8)
        func isLetterOrDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard (3...63).contains(characters.count), let first = characters.first, let last = characters.last,
            isLetterOrDigit(first), isLetterOrDigit(last),
            characters.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }),
            !name.contains("..")
        else { return false }
        let parts = name.split(separator: ".")
        return !(parts.count == 4 && parts.allSatisfy { UInt8($0) != nil })
    }

    /// The bucket at `address` with its endpoint (the `s3` section) and, when `requiresCredentials`, its key pair;
    /// the warnings about them; and where the endpoint and the key pair came from (for `config show`).
    /// - Parameter requiresCredentials: `false` for commands that never reach the bucket: the key pair is then
    ///   neither required nor read, and the location carries `S3Credentials.notLoaded`.
    static func bucketLocation(
        _ address: (bucket: String, prefix: String),
        file: ConfigurationFile,
        allowInsecureHTTP: Bool,
        environment: [String: String],
        requiresCredentials: Bool
    ) throws(ConfigurationError) -> (
        location: BucketLocation, warnings: [String], origins: [String: ConfigurationOrigin]
    ) {
        let endpoint = try s3Endpoint(file: file, allowInsecureHTTP: allowInsecureHTTP)
        let profile = try s3Profile(file.s3Profile)
        var location = BucketLocation(
            bucket: address.bucket, prefix: address.prefix, endpoint: endpoint, credentials: .notLoaded)
        var warnings: [String] = []
        var origins: [String: ConfigurationOrigin] = [:]
        if file.s3Endpoint == nil { origins["s3.endpoint"] = .defaultValue(reason: "AWS, for s3.region") }
        if endpoint.addressing == .virtualHosted, address.bucket.contains("."), endpoint.url.hasPrefix("https:") {
            warnings.append(
                "the bucket name \(address.bucket) contains dots, which virtual-hosted requests put in the host name "
                    + "(\(address.bucket).\(endpoint.url.dropFirst("https://".count))): a certificate for "
                    + "*.\(endpoint.url.dropFirst("https://".count)) does not cover it; set s3.path_style: true")
        }
        if requiresCredentials {
            let found = try s3Credentials(
                environment: environment, credentialsFile: file.s3CredentialsFile, profile: profile, root: location.uri)
            location.credentials = found.credentials
            warnings += found.warnings
            origins["s3.access_key_id"] = found.origins.accessKeyID
            origins["s3.secret_access_key"] = found.origins.secretAccessKey
        }
        return (location, warnings, origins)
    }

    /// The endpoint the `s3` section describes: `s3.endpoint` (default `https://s3.<region>.amazonaws.com`),
    /// `s3.region` (default `us-east-1`) and `s3.path_style` (default false: virtual-hosted).
    /// - Throws: `ConfigurationError.invalidValue` for a malformed URL or region, `.insecureS3Endpoint` for an
    ///   `http://` endpoint without `allow_insecure_http: true`.
    private static func s3Endpoint(
        file: ConfigurationFile, allowInsecureHTTP: Bool
    ) throws(ConfigurationError) -> S3Endpoint {
        var region = defaultS3Region
        if let configured = file.s3Region {
            let trimmed = configured.value.trimmingWhitespaceAndNewlines()
            // The region becomes part of libcurl's `aws:amz:REGION:s3`, where a `:` would end it.
            guard (1...64).contains(trimmed.count),
                trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else {
                throw .invalidValue(
                    value: configured.value, source: configured.source,
                    expected: "a region name such as us-east-1 or eu-central-1 (letters, digits, - and _)")
            }
            region = trimmed
        }
        var url = "https://s3.\(region).amazonaws.com"
        if let configured = file.s3Endpoint {
            let expected =
                "an absolute http(s) URL of the store without user name, password or query, such as "
                + "https://s3.eu-central-1.amazonaws.com or https://minio.example.com:9000"
            if let parsed = URL(string: configured.value.trimmingWhitespaceAndNewlines()),
                parsed.user != nil || parsed.password != nil
            {
                // The text is not repeated: what stands before the @ may be a password.
                throw .invalidValue(
                    value: "(a URL with a user name or password, not shown)", source: configured.source,
                    expected: expected + "; the key pair belongs in s3.credentials_file or the environment")
            }
            let parsed = try httpURL(from: configured.value, source: configured.source, expected: expected)
            if parsed.scheme?.lowercased() == "http", !allowInsecureHTTP {
                throw .insecureS3Endpoint(url: parsed.absoluteString, source: configured.source)
            }
            url = parsed.absoluteString
        }
        return S3Endpoint(url: url, region: region, addressing: file.s3PathStyle == true ? .pathStyle : .virtualHosted)
    }

    /// The key pair, the warnings about its file, and where its two parts came from: the first of the environment
    /// pair, the systemd credential `s3-credentials`, and the file `s3.credentials_file` names.
    /// - Parameters:
    ///   - profile: The profile the files are read at (`s3.profile`).
    ///   - root: The archive root, for the message when none gives a key pair.
    private static func s3Credentials(
        environment: [String: String],
        credentialsFile: ConfigurationFile.Sourced<String>?,
        profile: String,
        root: String
    ) throws(ConfigurationError) -> (
        credentials: S3Credentials, warnings: [String],
        origins: (accessKeyID: ConfigurationOrigin, secretAccessKey: ConfigurationOrigin)
    ) {
        let accessKeyID = environment[s3AccessKeyIDVariable]
        let secretAccessKey = environment[s3SecretAccessKeyVariable]
        if accessKeyID != nil || secretAccessKey != nil {
            let id = accessKeyID?.trimmingWhitespaceAndNewlines() ?? ""
            let secret = secretAccessKey?.trimmingWhitespaceAndNewlines() ?? ""
            if id.isEmpty {
                throw .incompleteS3Credentials(given: s3SecretAccessKeyVariable, missing: s3AccessKeyIDVariable)
            }
            if secret.isEmpty {
                throw .incompleteS3Credentials(given: s3AccessKeyIDVariable, missing: s3SecretAccessKeyVariable)
            }
            return (
                S3Credentials(accessKeyID: id, secretAccessKey: secret), [],
                (
                    .source(.environment(variable: s3AccessKeyIDVariable)),
                    .source(.environment(variable: s3SecretAccessKeyVariable))
                )
            )
        }
        var named: (path: String, source: ConfigurationSource)? = credentialsFile.map { ($0.value, $0.source) }
        let credential = ConfigurationError.s3CredentialName
        if let folder = environment[credentialsVariable], folder.hasPrefix("/"),
            ConfigurationDiscovery.isPresent("\(folder.withoutTrailingSlashes)/\(credential)")
        {
            named = ("\(folder.withoutTrailingSlashes)/\(credential)", .credential(name: credential))
        }
        guard let named else { throw .missingS3Credentials(root: root) }
        let (credentials, warnings) = try readS3Credentials(from: named.path, source: named.source, profile: profile)
        let origin = ConfigurationOrigin.file(path: named.path, namedBy: named.source)
        return (credentials, warnings, (origin, origin))
    }

    /// `s3.profile`, or `default`.
    private static func s3Profile(
        _ configured: ConfigurationFile.Sourced<String>?
    ) throws(ConfigurationError) -> String {
        guard let configured else { return defaultS3Profile }
        let trimmed = configured.value.trimmingWhitespaceAndNewlines()
        guard !trimmed.isEmpty, !trimmed.contains("["), !trimmed.contains("]"), !trimmed.contains("\n") else {
            throw .invalidValue(
                value: configured.value, source: configured.source,
                expected: "the name of a profile of the credentials file, without brackets (default: default)")
        }
        return trimmed
    }

    /// Reads the key pair of `profile` from the AWS shared credentials file at `path`; messages name the path, a
    /// line or a key, never the contents.
    /// - Returns: the key pair, and a warning when the file is readable by its group or by others.
    private static func readS3Credentials(
        from path: String, source: ConfigurationSource, profile: String
    ) throws(ConfigurationError) -> (S3Credentials, [String]) {
        let file: (bytes: [UInt8], mode: mode_t)
        do {
            file = try FileBytes.contents(atPath: path, limit: maximumKeyFileBytes)
        } catch {
            let reason = error == .tooLarge ? "it is larger than 64 KiB, not a credentials file" : error.reason
            throw .s3CredentialsFileUnreadable(path: path, source: source, reason: reason)
        }
        let warnings =
            readableByOthersWarning(of: "S3 credentials", path: path, source: source, mode: file.mode).map { [$0] }
            ?? []
        guard let text = String(validating: file.bytes, as: UTF8.self) else {
            throw .invalidS3CredentialsFile(path: path, source: source, problem: "it is not UTF-8 text")
        }
        switch S3CredentialsFile.credentials(in: text, profile: profile) {
        case .success(let credentials): return (credentials, warnings)
        case .failure(let problem):
            throw .invalidS3CredentialsFile(path: path, source: source, problem: problem.description)
        }
    }

    /// Whether `text` is a URL scheme (RFC 3986: a letter, then letters, digits, `+`, `-` and `.`).
    private static func isURLScheme(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }
}
