import ArchiverTestSupport
import Foundation
import Glibc
import Testing

@testable import ArchiverCore
@testable import ObjectStorage

/// `archive.root: s3://BUCKET/PREFIX`, the `s3` section and the S3 key pair, loaded from real files in a temporary
/// folder: what the configuration holds, each refusal, where the key pair is found, and that its secret never shows.
@Suite struct S3ConfigurationTests {
    static let accessKeyID = "AKIAEXAMPLE0000S3ID"
    /// A secret with characters that URL encoding would change.
    static let secret = "wJalr/S3-SECRET+K7MDENG=bPxRfi"
    static let apiKey = ["GETSCREEN_API_KEY": "api-key-0000"]
    static let environmentPair = [
        "AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT0001", "AWS_SECRET_ACCESS_KEY": "env-\(secret)",
    ]

    /// A credentials file holding the test key pair under `profile` (and a decoy profile).
    static func credentialsFile(profile: String = "default", id: String = accessKeyID) -> String {
        """
        # written by aws configure
        [decoy]
        aws_access_key_id = AKIADECOY
        aws_secret_access_key = decoy-secret

        [\(profile)]
        aws_access_key_id = \(id)
        aws_secret_access_key = \(secret)
        """
    }

    /// A temporary folder with a configuration file and whatever other files a test writes into it.
    struct Workspace {
        let directory: TemporaryDirectory

        init() throws { directory = try TemporaryDirectory(prefix: "s3-config-tests") }

        var path: String { directory.path }

        /// Writes `text` to `name` (folders created) with `mode`, and returns the file's path.
        @discardableResult
        func write(_ text: String, to name: String, mode: mode_t = 0o600) throws -> String {
            let file = "\(path)/\(name)"
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            chmod(file, mode)
            return file
        }

        /// Loads `yaml` as `config.yaml` (no file when nil) with the API key in the environment.
        func load(
            _ yaml: String?,
            environment: [String: String] = [:],
            overrides: ConfigurationOverrides = ConfigurationOverrides(),
            requiresAPIKey: Bool = true,
            requiresBucketCredentials: Bool = true
        ) throws -> ArchiverConfiguration {
            let file = try yaml.map { try write($0, to: "config.yaml") }
            return try ConfigurationLoader.load(
                configFile: file, overrides: overrides,
                environment: S3ConfigurationTests.apiKey.merging(["HOME": path]) { $1 }.merging(environment) { $1 },
                requiresAPIKey: requiresAPIKey, requiresBucketCredentials: requiresBucketCredentials,
                currentDirectory: "/")
        }

        /// The error loading `yaml` gives; it must not carry any secret of the test.
        func loadError(
            _ yaml: String?,
            environment: [String: String] = [:],
            overrides: ConfigurationOverrides = ConfigurationOverrides(),
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> ConfigurationError {
            let error = try #require(throws: ConfigurationError.self, sourceLocation: sourceLocation) {
                _ = try load(yaml, environment: environment, overrides: overrides)
            }
            for secret in [S3ConfigurationTests.secret, "S3-SECRET", "decoy-secret", "pw-SECRET"] {
                #expect(!error.description.contains(secret), "\(error)", sourceLocation: sourceLocation)
            }
            return error
        }
    }

    // MARK: - The location and the s3 section

    @Test func anS3RootGivesTheBucketWithAWSDefaults() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let configuration = try workspace.load(
            "archive:\n  root: s3://media-archive/getscreen/recordings\n", environment: Self.environmentPair)
        let bucket = try #require(configuration.bucket)
        #expect(bucket.bucket == "media-archive")
        #expect(bucket.prefix == "getscreen/recordings/")
        #expect(configuration.archiveRoot == "s3://media-archive/getscreen/recordings/")
        #expect(bucket.uri == configuration.archiveRoot)
        #expect(bucket.endpoint.url == "https://s3.us-east-1.amazonaws.com")
        #expect(bucket.endpoint.region == "us-east-1")
        #expect(bucket.endpoint.addressing == .virtualHosted)
        #expect(bucket.credentials.accessKeyID == "AKIAENVIRONMENT0001")
        #expect(bucket.credentials.secretAccessKey == "env-\(Self.secret)")
        #expect(configuration.mountRequirement == .none)
        #expect(configuration.warnings.isEmpty)
    }

    @Test func aFolderRootHasNoBucket() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let configuration = try workspace.load("archive:\n  root: /srv/archive\n", environment: Self.environmentPair)
        #expect(configuration.bucket == nil)
        #expect(configuration.archiveRoot == "/srv/archive")
    }

    @Test(arguments: [
        ("s3://bucket", "", "s3://bucket/"), ("s3://bucket/", "", "s3://bucket/"),
        ("S3://bucket/a/b/", "a/b/", "s3://bucket/a/b/"), ("  s3://my.bucket-1/x \n", "x/", "s3://my.bucket-1/x/"),
        ("s3://abc/Büro archive/2026", "Büro archive/2026/", "s3://abc/Büro archive/2026/"),
        ("s3://\(String(repeating: "a", count: 63))/p", "p/", "s3://\(String(repeating: "a", count: 63))/p/"),
    ])
    func theRootIsKeptAsANormalisedURI(root: String, prefix: String, uri: String) throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let configuration = try workspace.load(
            "archive:\n  root: \"\(root.replacingOccurrences(of: "\n", with: "\\n"))\"\n",
            environment: Self.environmentPair)
        #expect(configuration.bucket?.prefix == prefix)
        #expect(configuration.archiveRoot == uri)
    }

    @Test func theFlagAndTheVariableTakeAnS3RootAsIsNotAsAPath() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let byFlag = try workspace.load(
            "archive:\n  root: /srv/archive\ns3:\n  region: eu-west-1\n", environment: Self.environmentPair,
            overrides: ConfigurationOverrides(archiveRoot: "s3://flag-bucket/p"))
        #expect(byFlag.archiveRoot == "s3://flag-bucket/p/")
        #expect(byFlag.bucket?.endpoint.region == "eu-west-1")
        let byVariable = try workspace.load(
            nil, environment: Self.environmentPair.merging(["GETSCREEN_ARCHIVER_ARCHIVE": "s3://env-bucket"]) { $1 })
        #expect(byVariable.archiveRoot == "s3://env-bucket/")
    }

    @Test func readsTheS3Section() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let configuration = try workspace.load(
            """
            archive:
              root: s3://archive/getscreen
            allow_insecure_http: true
            s3:
              endpoint: http://127.0.0.1:8333/
              region: garage_1
              path_style: true
            """, environment: Self.environmentPair)
        let endpoint = try #require(configuration.bucket?.endpoint)
        #expect(endpoint.url == "http://127.0.0.1:8333")
        #expect(endpoint.region == "garage_1")
        #expect(endpoint.addressing == .pathStyle)

        let aws = try workspace.load(
            "archive:\n  root: s3://archive\ns3:\n  region: eu-central-1\n  path_style: false\n",
            environment: Self.environmentPair)
        #expect(
            aws.bucket?.endpoint
                == S3Endpoint(
                    url: "https://s3.eu-central-1.amazonaws.com", region: "eu-central-1", addressing: .virtualHosted))
        let https = try workspace.load(
            "archive:\n  root: s3://archive\ns3:\n  endpoint: https://minio.example.com:9000/store\n",
            environment: Self.environmentPair)
        #expect(https.bucket?.endpoint.url == "https://minio.example.com:9000/store")
    }

    @Test(arguments: [
        "s3://ab", "s3://\(String(repeating: "a", count: 64))", "s3://My-Bucket/x", "s3://bucket_name",
        "s3://-bucket", "s3://bucket-", "s3://a..b", "s3://192.168.1.10", "s3:/bucket", "s3:bucket", "s3://",
        "s3:///prefix", "s3://bucket//x", "s3://bucket/a//b", "s3://bucket/a/../b", "s3://bucket/./a",
        "s3://bucket/a\\tb",
    ])
    func anUnusableS3RootIsRefusedWithS3sRules(root: String) throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let error = try workspace.loadError("archive:\n  root: \"\(root)\"\n", environment: Self.environmentPair)
        #expect(error.code == "config_invalid_value")
        #expect(error.key == "archive.root")
        #expect(error.description.hasPrefix("archive.root (in \(workspace.path)/config.yaml, line 2) must be an "))
        #expect(error.description.contains("s3://BUCKET/PREFIX"), "\(error)")
        #expect(error.description.contains("3 to 63 lowercase letters, digits, dots and hyphens"), "\(error)")
    }

    @Test(arguments: ["https://bucket.example.com/x", "gs://bucket/x", "file:///srv/archive"])
    func anotherURLIsNotTakenForAFolder(root: String) throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let error = try workspace.loadError(nil, overrides: ConfigurationOverrides(archiveRoot: root))
        #expect(error.key == "--archive")
        #expect(error.description.contains("or an s3://BUCKET/PREFIX location (the only kind of URL supported)"))
    }

    @Test func requireMountWithAnS3RootIsAnErrorSayingWhy() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        for value in ["true", "/mnt/smb"] {
            let error = try workspace.loadError(
                "archive:\n  root: s3://bucket/p\n  require_mount: \(value)\n", environment: Self.environmentPair)
            #expect(error.key == "archive.require_mount")
            #expect(
                error.description
                    == "archive.require_mount (in \(workspace.path)/config.yaml, line 3) must be false (or left out) "
                    + "when archive.root is an s3:// location, which nothing mounts (got \"\(value)\")")
        }
        let unset = try workspace.load(
            "archive:\n  root: s3://bucket/p\n  require_mount: false\n", environment: Self.environmentPair)
        #expect(unset.mountRequirement == .none)
    }

    @Test func theS3SectionWithAFolderRootIsAnError() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let error = try workspace.loadError("archive:\n  root: /srv/archive\ns3:\n  region: eu-west-1\n")
        #expect(error.code == "s3_section_without_bucket")
        #expect(error.key == "s3")
        #expect(
            error.description
                == "s3 (in \(workspace.path)/config.yaml, line 3) applies only to an archive in object storage, but "
                + "archive.root is the folder /srv/archive (from archive.root (in \(workspace.path)/config.yaml, "
                + "line 2)); set archive.root to s3://BUCKET/PREFIX, or remove the s3 section")
        // The flag wins over the file's s3 root, and the section then has nothing to describe.
        let overridden = try workspace.loadError(
            "archive:\n  root: s3://bucket\ns3:\n  region: eu-west-1\n",
            overrides: ConfigurationOverrides(archiveRoot: "/srv/other"))
        #expect(overridden.description.contains("archive.root is the folder /srv/other (from --archive)"))
        // An empty section sets nothing.
        #expect(try workspace.load("archive:\n  root: /srv/archive\ns3:\n").bucket == nil)
    }

    @Test func anHTTPEndpointNeedsAllowInsecureHTTP() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let yaml = "archive:\n  root: s3://bucket\ns3:\n  endpoint: http://127.0.0.1:8333\n"
        let error = try workspace.loadError(yaml, environment: Self.environmentPair)
        #expect(error.code == "s3_endpoint_insecure")
        #expect(error.key == "s3.endpoint")
        #expect(
            error.description
                == "s3.endpoint (in \(workspace.path)/config.yaml, line 4) is a plain http:// URL "
                + "(http://127.0.0.1:8333); use https, or set allow_insecure_http: true in the config file (only for "
                + "a store on this machine or a trusted network, such as a test SeaweedFS or MinIO)")
        let allowed = try workspace.load(yaml + "allow_insecure_http: true\n", environment: Self.environmentPair)
        #expect(allowed.bucket?.endpoint.url == "http://127.0.0.1:8333")
    }

    @Test(arguments: [
        ("  endpoint: ftp://store.example.com", "s3.endpoint", "an absolute http(s) URL of the store"),
        ("  endpoint: store.example.com", "s3.endpoint", "an absolute http(s) URL of the store"),
        ("  endpoint: https://store.example.com/?x=1", "s3.endpoint", "without user name, password or query"),
        ("  endpoint: https://admin:pw-SECRET@store.example.com", "s3.endpoint", "a URL with a user name or password"),
        ("  region: us east 1", "s3.region", "a region name such as us-east-1"),
        ("  region: \"a:b\"", "s3.region", "a region name such as us-east-1"),
        ("  region: \"\"", "s3.region", "a region name such as us-east-1"),
        ("  path_style: maybe", "s3.path_style", "true or false"),
        ("  profile: \"[prod]\"", "s3.profile", "the name of a profile"),
        ("  credentials_file: \"\"", "s3.credentials_file", "the path of an AWS shared credentials file"),
        ("  endpoint: [a]", "s3.endpoint", "a single value (got a list)"),
    ])
    func aBadS3ValueIsRefusedNamingItsKey(line: String, key: String, shows: String) throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let error = try workspace.loadError(
            "archive:\n  root: s3://bucket\ns3:\n\(line)\n", environment: Self.environmentPair)
        #expect(error.key == key)
        #expect(error.description.hasPrefix("\(key) (in \(workspace.path)/config.yaml, line 4) must be "), "\(error)")
        #expect(error.description.contains(shows), "\(error)")
    }

    @Test(arguments: [
        ("s3:\n  regoin: x\n", "s3.regoin", "s3.region"), ("s3:\n  pathstyle: true\n", "s3.pathstyle", "s3.path_style"),
        ("s3:\n  credential_file: x\n", "s3.credential_file", "s3.credentials_file"),
        ("region: eu-west-1\n", "region", "s3.region"), ("s4:\n  region: x\n", "s4", "s3"),
    ])
    func anUnknownKeyGetsADidYouMean(yaml: String, key: String, suggestion: String) throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let error = try workspace.loadError("archive:\n  root: s3://bucket\n" + yaml)
        #expect(error.code == "config_unknown_key")
        #expect(error.key == key)
        #expect(error.description.hasSuffix("did you mean \(suggestion)?"), "\(error)")
        if key.hasPrefix("s3.") {
            #expect(error.description.contains("endpoint, region, path_style, credentials_file, profile"))
        }
    }

    @Test func aDottedBucketWithVirtualHostedRequestsGetsAWarning() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let dotted = try workspace.load("archive:\n  root: s3://media.example.com\n", environment: Self.environmentPair)
        let warning = try #require(dotted.warnings.first)
        #expect(warning.contains("media.example.com.s3.us-east-1.amazonaws.com"))
        #expect(warning.hasSuffix("set s3.path_style: true"))
        let pathStyle = try workspace.load(
            "archive:\n  root: s3://media.example.com\ns3:\n  path_style: true\n", environment: Self.environmentPair)
        #expect(pathStyle.warnings.isEmpty)
    }

    // MARK: - The key pair

    @Test func theKeyPairIsFoundInTheEnvironmentThenTheCredentialThenTheFile() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        try workspace.write(Self.credentialsFile(id: "AKIAFROMFILE"), to: "secrets/s3-credentials")
        try workspace.write(Self.credentialsFile(id: "AKIAFROMSYSTEMD"), to: "credentials/s3-credentials")
        let yaml = "archive:\n  root: s3://bucket\ns3:\n  credentials_file: secrets/s3-credentials\n"
        let systemd = ["CREDENTIALS_DIRECTORY": "\(workspace.path)/credentials/"]

        let fromEnvironment = try workspace.load(yaml, environment: Self.environmentPair.merging(systemd) { $1 })
        #expect(fromEnvironment.bucket?.credentials.accessKeyID == "AKIAENVIRONMENT0001")
        #expect(
            origins(fromEnvironment) == [
                "environment variable AWS_ACCESS_KEY_ID", "environment variable AWS_SECRET_ACCESS_KEY",
            ])

        let fromCredential = try workspace.load(yaml, environment: systemd)
        #expect(fromCredential.bucket?.credentials.accessKeyID == "AKIAFROMSYSTEMD")
        #expect(fromCredential.bucket?.credentials.secretAccessKey == Self.secret)
        let credentialOrigin = "file \(workspace.path)/credentials/s3-credentials (systemd credential s3-credentials)"
        #expect(origins(fromCredential) == [credentialOrigin, credentialOrigin])

        // A credentials folder without s3-credentials (only the API key's) passes on to the file.
        let fromFile = try workspace.load(yaml, environment: ["CREDENTIALS_DIRECTORY": "\(workspace.path)/secrets/x"])
        #expect(fromFile.bucket?.credentials.accessKeyID == "AKIAFROMFILE")
        let fileOrigin =
            "file \(workspace.path)/secrets/s3-credentials (s3.credentials_file (in \(workspace.path)/config.yaml, "
            + "line 4))"
        #expect(origins(fromFile) == [fileOrigin, fileOrigin])
    }

    /// The `config show` origins of the access key ID and the secret.
    private func origins(_ configuration: ArchiverConfiguration) -> [String] {
        ConfigurationListing(configuration).entries.filter { $0.key.hasPrefix("s3.") && $0.key.hasSuffix("key_id") }
            .map(\.origin)
            + ConfigurationListing(configuration).entries.filter { $0.key == "s3.secret_access_key" }.map(\.origin)
    }

    @Test func noKeyPairIsAnErrorNamingTheThreeWays() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let error = try workspace.loadError("archive:\n  root: s3://bucket/p\n")
        #expect(error.code == "s3_credentials_missing")
        #expect(error.key == "s3.credentials_file")
        #expect(
            error.description
                == "no S3 credentials for archive.root s3://bucket/p/: set AWS_ACCESS_KEY_ID and "
                + "AWS_SECRET_ACCESS_KEY, load the systemd credential s3-credentials "
                + "(LoadCredential=s3-credentials:FILE), or set s3.credentials_file in the config file to an AWS "
                + "shared credentials file")
    }

    @Test(arguments: [
        (["AWS_ACCESS_KEY_ID": "AKIA1"], "AWS_SECRET_ACCESS_KEY"),
        (["AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": " \n"], "AWS_SECRET_ACCESS_KEY"),
        (["AWS_SECRET_ACCESS_KEY": secret], "AWS_ACCESS_KEY_ID"),
        (["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": secret], "AWS_ACCESS_KEY_ID"),
    ])
    func halfAnEnvironmentPairIsAnErrorEvenWithAFile(environment: [String: String], missing: String) throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        try workspace.write(Self.credentialsFile(), to: "s3-credentials")
        let error = try workspace.loadError(
            "archive:\n  root: s3://bucket\ns3:\n  credentials_file: s3-credentials\n", environment: environment)
        #expect(error.code == "s3_credentials_incomplete")
        #expect(error.key == missing)
        #expect(error.description.contains("is set but \(missing) is unset or empty; set both"), "\(error)")
    }

    /// Read as the AWS CLI reads it: comments, CRLF, spaces, keys in any case, other keys ignored, and a `#` after
    /// a value part of it; relative to the configuration file's folder.
    @Test func theProfilePicksTheSectionOfAFileBesideTheConfiguration() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        try workspace.write(
            "; a comment\r\n\r\n[default]\r\naws_access_key_id=AKIADEFAULT\r\naws_secret_access_key=x\r\n"
                + "  [ backup ]  \r\n  AWS_Access_Key_ID   =   AKIABACKUP  \r\n# aws_secret_access_key = old\r\n"
                + "aws_session_token = ignored\r\naws_secret_access_key = \(Self.secret) # part of it\r\n",
            to: "conf/creds")
        let config = try workspace.write(
            "archive:\n  root: s3://bucket\ns3:\n  credentials_file: creds\n  profile: backup\n",
            to: "conf/config.yaml")
        // The current folder is elsewhere: the file is still found beside the configuration.
        let configuration = try ConfigurationLoader.load(
            configFile: config, overrides: ConfigurationOverrides(), environment: Self.apiKey,
            currentDirectory: "/")
        let credentials = try #require(configuration.bucket?.credentials)
        #expect(credentials.accessKeyID == "AKIABACKUP")
        #expect(credentials.secretAccessKey == "\(Self.secret) # part of it")
        let byDefault = try ConfigurationLoader.load(
            configFile: try workspace.write(
                "archive:\n  root: s3://bucket\ns3:\n  credentials_file: ./creds\n", to: "conf/config.yaml"),
            overrides: ConfigurationOverrides(), environment: Self.apiKey, currentDirectory: "/")
        #expect(byDefault.bucket?.credentials.accessKeyID == "AKIADEFAULT")
    }

    @Test(arguments: [
        (
            "[default]\naws_access_key_id = AKIA1\n", "default",
            "profile [default] has no aws_secret_access_key, or it is empty"
        ),
        (
            "[default]\naws_access_key_id = AKIA1\naws_secret_access_key =\n", "default",
            "profile [default] has no aws_secret_access_key, or it is empty"
        ),
        (
            "[default]\naws_secret_access_key = \(secret)\n", "default",
            "profile [default] has no aws_access_key_id, or it is empty"
        ),
        (credentialsFile(), "prod", "it has no profile [prod] (s3.profile)"),
        ("", "default", "it has no profile [default] (s3.profile)"),
        (
            "[default]\naws_access_key_id = AKIA1\naws_secret_access_key \(secret.filter { $0 != "=" })\n", "default",
            "line 3 is neither a comment, a [PROFILE] line nor a key = value line"
        ),
        ("aws_secret_access_key = \(secret)\n[default]\n", "default", "line 1 comes before the first [PROFILE] line"),
        ("[default\n", "default", "line 1 is neither a comment, a [PROFILE] line nor a key = value line"),
        (
            "[default]\n = \(secret)\n", "default",
            "line 2 is neither a comment, a [PROFILE] line nor a key = value line"
        ),
    ])
    func aCredentialsFileWithoutAKeyPairIsAnErrorThatShowsNoValue(text: String, profile: String, problem: String)
        throws
    {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let file = try workspace.write(text, to: "s3-credentials")
        let error = try workspace.loadError(
            "archive:\n  root: s3://bucket\ns3:\n  credentials_file: s3-credentials\n  profile: \(profile)\n")
        #expect(error.code == "s3_credentials_file_invalid")
        #expect(error.key == "s3.credentials_file")
        #expect(
            error.description
                == "S3 credentials file \(file) (from s3.credentials_file (in \(workspace.path)/config.yaml, "
                + "line 4)) gives no key pair: \(problem); write it in the AWS shared credentials format: a "
                + "[PROFILE] line (s3.profile, default \"default\"), then aws_access_key_id = … and "
                + "aws_secret_access_key = … lines")
    }

    @Test func anUnreadableCredentialsFileIsAnErrorNamingIt() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let yaml = "archive:\n  root: s3://bucket\ns3:\n  credentials_file: s3-credentials\n"
        let missing = try workspace.loadError(yaml)
        #expect(missing.code == "s3_credentials_file_unreadable")
        #expect(
            missing.description
                == "cannot read S3 credentials file \(workspace.path)/s3-credentials (from s3.credentials_file (in "
                + "\(workspace.path)/config.yaml, line 4)): no such file; check the path and its permissions, or set "
                + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        _ = try workspace.directory.subfolder("s3-credentials")
        #expect(try workspace.loadError(yaml).description.contains(": it is a directory;"))
        try FileManager.default.removeItem(atPath: "\(workspace.path)/s3-credentials")
        try workspace.write(String(repeating: "#", count: 70_000), to: "s3-credentials")
        #expect(try workspace.loadError(yaml).description.contains("larger than 64 KiB"))
        try Data([0x5B, 0xFF, 0x5D]).write(to: URL(fileURLWithPath: "\(workspace.path)/s3-credentials"))
        #expect(try workspace.loadError(yaml).description.contains("gives no key pair: it is not UTF-8 text"))
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o666])
    func aCredentialsFileReadableByOthersGivesTheAPIKeysWarning(mode: Int) throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let file = try workspace.write(Self.credentialsFile(), to: "s3-credentials", mode: mode_t(mode))
        let configuration = try workspace.load(
            "archive:\n  root: s3://bucket\ns3:\n  credentials_file: s3-credentials\n")
        #expect(configuration.bucket?.credentials.secretAccessKey == Self.secret)
        #expect(
            configuration.warnings == [
                "the S3 credentials file \(file), named by s3.credentials_file (in \(workspace.path)/config.yaml, "
                    + "line 4), is readable by its group or by others "
                    + "(mode \(ArchivePermissions.octal(UInt32(mode)))); restrict it with: chmod 600 \(file)"
            ])
    }

    @Test(arguments: [0o600, 0o400])
    func aPrivateCredentialsFileGivesNoWarning(mode: Int) throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        try workspace.write(Self.credentialsFile(), to: "credentials/s3-credentials", mode: mode_t(mode))
        let configuration = try workspace.load(
            "archive:\n  root: s3://bucket\n", environment: ["CREDENTIALS_DIRECTORY": "\(workspace.path)/credentials"])
        #expect(configuration.bucket?.credentials.accessKeyID == Self.accessKeyID)
        #expect(configuration.warnings.isEmpty)
    }

    @Test func theSystemdCredentialReadableByOthersIsWarnedAboutToo() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let file = try workspace.write(Self.credentialsFile(), to: "credentials/s3-credentials", mode: 0o644)
        let configuration = try workspace.load(
            "archive:\n  root: s3://bucket\n", environment: ["CREDENTIALS_DIRECTORY": "\(workspace.path)/credentials"])
        #expect(configuration.warnings.count == 1)
        #expect(configuration.warnings.first?.contains("named by systemd credential s3-credentials") == true)
        #expect(configuration.warnings.first?.hasSuffix("chmod 600 \(file)") == true)
    }

    @Test func commandsThatNeverReachTheBucketNeitherNeedNorReadTheKeyPair() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        // An unreadable file and half an environment pair: no obstacle when the key pair is not required.
        let yaml = "archive:\n  root: s3://bucket/p\ns3:\n  credentials_file: /nonexistent/creds\n"
        let configuration = try workspace.load(
            yaml, environment: ["AWS_ACCESS_KEY_ID": "AKIA1"], requiresAPIKey: false, requiresBucketCredentials: false)
        let bucket = try #require(configuration.bucket)
        #expect(!bucket.credentials.isLoaded)
        #expect(bucket.credentials.secretAccessKey.isEmpty)
        #expect(configuration.archiveRoot == "s3://bucket/p/")
        let listing = ConfigurationListing(configuration).entries
        #expect(listing.first { $0.key == "s3.access_key_id" }?.value == "not loaded")
        #expect(listing.first { $0.key == "s3.secret_access_key" }?.value == "not loaded")
        // Without the API key (reindex, verify) the archive is still reached: the key pair is required.
        let error = try #require(throws: ConfigurationError.self) {
            try workspace.load(yaml, requiresAPIKey: false)
        }
        #expect(error.code == "s3_credentials_file_unreadable")
    }

    // MARK: - Secrecy

    @Test func configShowListsTheS3SettingsAndTheAccessKeyIDButNeverTheSecret() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        try workspace.write(Self.credentialsFile(), to: "s3-credentials")
        let configuration = try workspace.load(
            """
            archive:
              root: s3://archive/getscreen
            s3:
              endpoint: https://minio.example.com:9000
              path_style: true
              credentials_file: s3-credentials
            """)
        let listing = ConfigurationListing(configuration)
        let lines = Dictionary(uniqueKeysWithValues: listing.entries.map { ($0.key, $0) })
        #expect(lines["archive.root"]?.value == "s3://archive/getscreen/")
        #expect(lines["s3.endpoint"]?.value == "https://minio.example.com:9000")
        #expect(lines["s3.endpoint"]?.origin == "\(workspace.path)/config.yaml:4")
        #expect(lines["s3.region"]?.value == "us-east-1")
        #expect(lines["s3.region"]?.origin == "default")
        #expect(lines["s3.path_style"]?.value == "true")
        #expect(lines["s3.access_key_id"]?.value == Self.accessKeyID)
        #expect(lines["s3.secret_access_key"]?.value == "<redacted>")
        #expect(lines["s3.secret_access_key"]?.origin.hasPrefix("file \(workspace.path)/s3-credentials") == true)
        #expect(listing.text.contains("s3.access_key_id"))
        #expect(!listing.text.contains(Self.secret))

        let aws = try workspace.load("archive:\n  root: s3://archive\n", environment: Self.environmentPair)
        let endpoint = ConfigurationListing(aws).entries.first { $0.key == "s3.endpoint" }
        #expect(endpoint?.value == "https://s3.us-east-1.amazonaws.com")
        #expect(endpoint?.origin == "default (AWS, for s3.region)")
        let folder = try workspace.load("archive:\n  root: /srv/archive\n", environment: Self.environmentPair)
        #expect(!ConfigurationListing(folder).entries.contains { $0.key.hasPrefix("s3.") })
    }

    @Test func noDescriptionDumpOrMirrorOfTheConfigurationShowsTheSecret() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        try workspace.write(Self.credentialsFile(), to: "s3-credentials")
        let configuration = try workspace.load(
            "archive:\n  root: s3://archive\ns3:\n  credentials_file: s3-credentials\n")
        #expect(configuration.bucket?.credentials.secretAccessKey == Self.secret)
        var dumped = ""
        dump(configuration, to: &dumped)
        var dumpedBucket = ""
        dump(configuration.bucket, to: &dumpedBucket)
        let texts = [
            "\(configuration)", String(reflecting: configuration), dumped, dumpedBucket,
            "\(String(describing: configuration.bucket))", String(reflecting: configuration.bucket),
            "\(Mirror(reflecting: configuration).children.map { "\($0.label ?? ""): \($0.value)" })",
        ]
        for text in texts {
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(!text.contains(URLRedaction.percentEncoded(Self.secret)))
        }
        #expect(dumpedBucket.contains(Self.accessKeyID))
    }

    // MARK: - The local state folder

    @Test func anS3ArchiveKeepsItsCatalogInItsOwnLocalStateFolder() throws {
        let workspace = try Workspace()
        defer { workspace.directory.remove() }
        let name = StateDirectory.folderName(forArchive: "s3://media-archive/getscreen/")
        let hash = try #require(name.split(separator: "-").last)
        #expect(name == "s3-media-archive-getscreen-\(hash)")
        // The hash is over the root without trailing slashes: `printf s3://media-archive/getscreen | sha256sum`.
        #expect(hash == "27a2a8c9")
        #expect(StateDirectory.folderName(forArchive: "s3://media-archive/getscreen") == name)
        let others = [
            "s3://media-archive/", "s3://media-archive/getscreen/2026/", "s3://media-archive/getscreen-old/",
            "s3://other-archive/getscreen/", "s3://media-archive/getscreen_/", "/media-archive/getscreen",
            "/s3/media-archive/getscreen",
        ].map { StateDirectory.folderName(forArchive: $0) }
        #expect(Set(others + [name]).count == others.count + 1, "\(others)")
        #expect(StateDirectory.folderName(forArchive: "s3://media-archive/").hasPrefix("s3-media-archive-"))

        let configuration = try workspace.load(
            "archive:\n  root: s3://media-archive/getscreen\n",
            environment: Self.environmentPair.merging(["XDG_STATE_HOME": "\(workspace.path)/state"]) { $1 })
        #expect(configuration.stateDirectory == "\(workspace.path)/state/getscreen-archiver/\(name)")
        #expect(configuration.catalogPath.hasPrefix("\(workspace.path)/state/getscreen-archiver/\(name)/"))
        let configured = try workspace.load(
            "archive:\n  root: s3://media-archive/getscreen\nstate_dir: catalog\n", environment: Self.environmentPair)
        #expect(configured.stateDirectory == "\(workspace.path)/catalog")
    }
}
