/// A configuration problem that stops the run before it starts (the executable exits with code 2).
///
/// Every message names what failed, the offending value and where it came from (config key and line, environment
/// variable or flag) and what to do. No case ever carries the API key, the S3 secret key or the contents of a key or
/// credentials file.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration file at `path` could not be read.
    case fileUnreadable(path: String, reason: String)
    /// The configuration file is not valid YAML.
    case malformedFile(path: String, line: Int?, problem: String)
    /// The top level of the configuration file is not a mapping of keys.
    case topLevelNotMapping(path: String, line: Int?)
    /// A key that the configuration file format does not define (`key` is dotted, such as `archive.rot`).
    case unknownKey(key: String, path: String, line: Int?, allowedKeys: [String], suggestion: String?)
    /// A value of the wrong kind, such as a list where a string belongs; `found` says what was there.
    case wrongType(source: ConfigurationSource, expected: String, found: String)
    /// A value of the right kind that is not allowed, such as `transfers: 0`.
    case invalidValue(value: String, source: ConfigurationSource, expected: String)
    /// An archive layout template that cannot be used.
    case invalidLayout(template: String, problem: String, source: ConfigurationSource)
    /// The API key file named by `api.key_file` could not be read.
    case keyFileUnreadable(path: String, source: ConfigurationSource, reason: String)
    /// The API key is empty after trimming whitespace; `keyFile` is the file it was read from, if any.
    case emptyAPIKey(source: ConfigurationSource, keyFile: String?)
    /// None of `GETSCREEN_API_KEY`, `GETSCREEN_API_KEY_FILE`, the systemd credential and `api.key_file` gives a key.
    case missingAPIKey
    /// No archive root from the flag, the environment or the configuration file; `file` is the file read (nil: none
    /// was found), `searched` the places looked for one.
    case missingArchiveRoot(searched: [String], file: String?)
    /// A plain `http://` API URL while `allow_insecure_http` is not true.
    case insecureAPIURL(url: String, source: ConfigurationSource)
    /// `state_dir` is not set and no default state folder applies (not root, no `HOME`).
    case noStateDirectory
    /// The `s3` section (at `section`) while `archive.root` is a folder (`root`, from `rootSource`).
    case s3SectionWithoutBucket(section: ConfigurationSource, root: String, rootSource: ConfigurationSource)
    /// A plain `http://` S3 endpoint while `allow_insecure_http` is not true.
    case insecureS3Endpoint(url: String, source: ConfigurationSource)
    /// One of `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` is set and the other (`missing`) is unset or empty.
    case incompleteS3Credentials(given: String, missing: String)
    /// The S3 credentials file at `path` (named by `source`) could not be read.
    case s3CredentialsFileUnreadable(path: String, source: ConfigurationSource, reason: String)
    /// The S3 credentials file at `path` was read but gives no key pair: `problem` says why (a line number, a
    /// missing profile or key), never any of its contents.
    case invalidS3CredentialsFile(path: String, source: ConfigurationSource, problem: String)
    /// An archive in object storage (`root`) and none of the environment, the systemd credential and
    /// `s3.credentials_file` gives its key pair.
    case missingS3Credentials(root: String)

    /// The config key, flag or environment variable at fault, when there is one.
    var key: String? {
        switch self {
        case .fileUnreadable, .malformedFile, .topLevelNotMapping: nil
        case .unknownKey(let key, _, _, _, _): key
        case .wrongType(let source, _, _), .invalidValue(_, let source, _), .invalidLayout(_, _, let source),
            .keyFileUnreadable(_, let source, _), .emptyAPIKey(let source, _), .insecureAPIURL(_, let source),
            .s3SectionWithoutBucket(let source, _, _), .insecureS3Endpoint(_, let source),
            .s3CredentialsFileUnreadable(_, let source, _), .invalidS3CredentialsFile(_, let source, _):
            source.key
        case .missingAPIKey: "api.key_file"
        case .missingArchiveRoot: "archive.root"
        case .noStateDirectory: "state_dir"
        case .incompleteS3Credentials(_, let missing): missing
        case .missingS3Credentials: "s3.credentials_file"
        }
    }

    /// A stable short slug for reports and metrics; carries no values.
    var code: String {
        switch self {
        case .fileUnreadable: "config_file_unreadable"
        case .malformedFile: "config_malformed"
        case .topLevelNotMapping: "config_not_mapping"
        case .unknownKey: "config_unknown_key"
        case .wrongType: "config_wrong_type"
        case .invalidValue: "config_invalid_value"
        case .invalidLayout: "config_invalid_layout"
        case .keyFileUnreadable: "api_key_file_unreadable"
        case .emptyAPIKey: "api_key_empty"
        case .missingAPIKey: "api_key_missing"
        case .missingArchiveRoot: "archive_root_missing"
        case .insecureAPIURL: "api_url_insecure"
        case .noStateDirectory: "state_dir_missing"
        case .s3SectionWithoutBucket: "s3_section_without_bucket"
        case .insecureS3Endpoint: "s3_endpoint_insecure"
        case .incompleteS3Credentials: "s3_credentials_incomplete"
        case .s3CredentialsFileUnreadable: "s3_credentials_file_unreadable"
        case .invalidS3CredentialsFile: "s3_credentials_file_invalid"
        case .missingS3Credentials: "s3_credentials_missing"
        }
    }

    /// One sentence for people: what failed, the value, where it came from, and what to do.
    public var description: String {
        switch self {
        case .fileUnreadable(let path, let reason):
            return "cannot read configuration file \(path): \(reason); check the --config path, "
                + "or copy config/getscreen-archiver.example.yaml and edit it"
        case .malformedFile(let path, let line, let problem):
            return "configuration file \(path) is not valid YAML\(Self.at(line)): \(problem); fix the syntax "
                + "(config/getscreen-archiver.example.yaml shows the expected shape)"
        case .topLevelNotMapping(let path, let line):
            return "configuration file \(path) must be a mapping of keys at the top level\(Self.at(line)); "
                + "allowed keys: \(ConfigurationFile.topLevelKeys.joined(separator: ", ")) "
                + "(see config/getscreen-archiver.example.yaml)"
        case .unknownKey(let key, let path, let line, let allowedKeys, let suggestion):
            let parent = key.split(separator: ".").dropLast().joined(separator: ".")
            let level = parent.isEmpty ? "allowed top-level keys" : "allowed keys under \(parent)"
            let hint = suggestion.map { "; did you mean \($0)?" } ?? ""
            return "unknown key \(key) in \(path)\(Self.at(line)); "
                + "\(level): \(allowedKeys.joined(separator: ", "))\(hint)"
        case .wrongType(let source, let expected, let found):
            return "\(source) must be \(expected) (got \(found))"
        case .invalidValue(let value, let source, let expected):
            return "\(source) must be \(expected) (got \(String(reflecting: value)))"
        case .invalidLayout(let template, let problem, let source):
            return "\(source) is not a usable layout (got \(String(reflecting: template))): \(problem); "
                + "use \"/\"-separated relative components built from the placeholders "
                + "\(ArchiveLayout.placeholderNames.map { "{\($0)}" }.joined(separator: ", ")), "
                + "and include {session_id}"
        case .keyFileUnreadable(let path, let source, let reason):
            return "cannot read API key file \(path) (from \(source)): \(reason); "
                + "check the path and its permissions, or set GETSCREEN_API_KEY"
        case .emptyAPIKey(let source, let keyFile?):
            return "API key file \(keyFile) (from \(source)) is empty; write the key into it, or set GETSCREEN_API_KEY"
        case .emptyAPIKey(let source, nil):
            return "\(source) is empty; set it to the API key, or unset it and use api.key_file"
        case .missingAPIKey:
            return "no API key: set api.key_file in the config file (or GETSCREEN_API_KEY_FILE, or GETSCREEN_API_KEY), "
                + "or load the systemd credential api-key (LoadCredential=api-key:FILE)"
        case .missingArchiveRoot(_, let file?):
            return "no archive root: set archive.root in the config file \(file), pass --archive "
                + "(or set GETSCREEN_ARCHIVER_ARCHIVE), or pass --config with another file"
        case .missingArchiveRoot(let searched, nil):
            let places = searched.isEmpty ? "" : " (none of \(searched.joined(separator: ", ")) exists)"
            return "no archive root: no config file was found\(places); pass --config FILE (or set "
                + "GETSCREEN_ARCHIVER_CONFIG) with archive.root in it, or pass --archive (or set "
                + "GETSCREEN_ARCHIVER_ARCHIVE)"
        case .insecureAPIURL(let url, let source):
            return "\(source) is a plain http:// URL (\(url)); use https, or set allow_insecure_http: true "
                + "in the config file (only for a local test server)"
        case .noStateDirectory:
            return "no folder for the catalog: state_dir is not set, and neither STATE_DIRECTORY, XDG_STATE_HOME "
                + "nor HOME is; set state_dir in the config file to a folder on a local disk"
        case .s3SectionWithoutBucket(let section, let root, let rootSource):
            return "\(section) applies only to an archive in object storage, but archive.root is the folder \(root) "
                + "(from \(rootSource)); set archive.root to s3://BUCKET/PREFIX, or remove the s3 section"
        case .insecureS3Endpoint(let url, let source):
            return "\(source) is a plain http:// URL (\(url)); use https, or set allow_insecure_http: true "
                + "in the config file (only for a store on this machine or a trusted network, such as a test "
                + "SeaweedFS or MinIO)"
        case .incompleteS3Credentials(let given, let missing):
            return "environment variable \(given) is set but \(missing) is unset or empty; set both (the S3 access "
                + "key ID and its secret), or unset both to use the systemd credential \(Self.s3CredentialName) or "
                + "s3.credentials_file"
        case .s3CredentialsFileUnreadable(let path, let source, let reason):
            return "cannot read S3 credentials file \(path) (from \(source)): \(reason); check the path and its "
                + "permissions, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        case .invalidS3CredentialsFile(let path, let source, let problem):
            return "S3 credentials file \(path) (from \(source)) gives no key pair: \(problem); write it in the AWS "
                + "shared credentials format: a [PROFILE] line (s3.profile, default \"default\"), then "
                + "aws_access_key_id = … and aws_secret_access_key = … lines"
        case .missingS3Credentials(let root):
            let credential = Self.s3CredentialName
            return "no S3 credentials for archive.root \(root): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                + "load the systemd credential \(credential) (LoadCredential=\(credential):FILE), or set "
                + "s3.credentials_file in the config file to an AWS shared credentials file"
        }
    }

    /// The name of the systemd credential holding the S3 credentials file (`LoadCredential=s3-credentials:…`).
    static let s3CredentialName = "s3-credentials"

    private static func at(_ line: Int?) -> String {
        line.map { ", line \($0)" } ?? ""
    }

    /// The same error attributed to `source`, for checks that ran before the key and line were known.
    func relocated(to source: ConfigurationSource) -> ConfigurationError {
        switch self {
        case .wrongType(_, let expected, let found): .wrongType(source: source, expected: expected, found: found)
        case .invalidValue(let value, _, let expected): .invalidValue(value: value, source: source, expected: expected)
        case .invalidLayout(let template, let problem, _):
            .invalidLayout(template: template, problem: problem, source: source)
        default: self
        }
    }
}
