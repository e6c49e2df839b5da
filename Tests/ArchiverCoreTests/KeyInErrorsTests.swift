import ArchiverTestSupport
import Curl
import Foundation
import GetscreenSimulator
import Logging
import ObjectStorage
import Testing

@testable import ArchiverCore

/// The messages of failed media transfers (libcurl's own text, the per-recording reasons, the run errors) never
/// carry the key, although the URL libcurl was given does.
@Suite struct KeyInErrorsTests {
    let logger = Logger(label: "test")
    static let key = "SECRET-k3y-4f0e9a"

    @Test(arguments: [
        "http://127.0.0.1:1/video/1/1.mp4?apikey=\(key)",  // nothing listens: connect error
        "http://no-such-host.invalid/v.mp4?apikey=\(key)",  // resolve error
        "http://127.0.0.1:99999/v.mp4?apikey=\(key)",  // bad port
        "http://[::1/v.mp4?apikey=\(key)",  // malformed
        "ftp://127.0.0.1/v.mp4?apikey=\(key)",  // protocol refused by CURLOPT_PROTOCOLS_STR
        "http://127.0.0.1:1/\(key)/v.mp4?apikey=\(key)",
    ])
    func curlErrorsDoNotCarryTheKey(url: String) async throws {
        let transport = try CurlMulti()
        let error = await #expect(throws: CurlError.self) {
            try await transport.perform(
                TransferRequest(url: url, destination: .memory(limit: 1024), connectTimeout: .seconds(5)))
        }
        await transport.shutdown()
        let curlError = try #require(error)
        #expect(!curlError.description.contains(Self.key), "\(curlError.description)")
        #expect(!curlError.message.contains(Self.key))
        let failure = RecordingFailure(
            sessionID: 1, code: RecordingFailure.Code(curlError), reason: "download failed: \(curlError)")
        #expect(!"\(failure)".contains(Self.key))
    }

    @Test func aRefusedMediaURLIsReportedRedacted() async throws {
        var faults = SimulatorFaults()
        let dataset = SimulatorDataset.seeded(seed: 9, sessionCount: 2, sizeRange: 1_000...2_000)
        faults.mediaStatusOverrides = [dataset.sessions[0].id: 403, dataset.sessions[1].id: 500]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.failures.count == 2)
            for failure in report.failures {
                #expect(failure.reason.contains("apikey=REDACTED"), "\(failure.reason)")
                #expect(!failure.reason.contains(SimulatorFixture.apiKey))
                #expect(!"\(failure)".contains(SimulatorFixture.apiKey))
            }
            let json = String(decoding: try report.jsonData(), as: UTF8.self)
            #expect(!json.contains(SimulatorFixture.apiKey))
        }
    }

    @Test func runErrorsDoNotCarryTheKey() {
        let errors: [ArchiverError] = [
            .apiUnreachable(endpoint: "https://api.getscreen.me/v1/history/list", reason: "timeout"),
            .apiKeyRejected(status: 403, message: "access denied"),
            .requestLimitExceeded(message: "quota reached"),
            .invalidResponse(endpoint: "history/list", reason: "expected JSON"),
        ]
        for error in errors { #expect(!"\(error)".contains(Self.key)) }
        #expect("\(APIKey(Self.key)!)" == "<redacted>")
        #expect(!String(reflecting: APIKey(Self.key)!).contains(Self.key))
    }

    /// The S3 secret access key reaches no configuration error, whether it was given in the environment or in a
    /// credentials file (broken in each way the loader tells apart), nor the credentials' descriptions.
    @Test func s3ConfigurationErrorsDoNotCarryTheSecret() throws {
        let directory = try TemporaryDirectory(prefix: "s3-secret-errors")
        defer { directory.remove() }
        let secret = "S3/\(Self.key)+x="
        let files = [
            "[default]\naws_access_key_id = AKIA1\n[\(secret)\n",
            "[default]\n = \(secret)\n",
            "aws_secret_access_key = \(secret)\n[default]\n",
            "[\(secret)]\naws_access_key_id = AKIA1\naws_secret_access_key = \(secret)\n",
            "[default]\naws_secret_access_key = \(secret)\n",
            "[default]\n\(secret.filter { $0 != "=" })\n",
        ]
        var errors: [ConfigurationError] = []
        for text in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(directory.path)/s3-credentials"))
            let config = "\(directory.path)/config.yaml"
            try "archive:\n  root: s3://bucket\ns3:\n  credentials_file: s3-credentials\n"
                .write(toFile: config, atomically: false, encoding: .utf8)
            errors.append(
                try #require(throws: ConfigurationError.self) {
                    try ConfigurationLoader.load(
                        configFile: config, overrides: ConfigurationOverrides(),
                        environment: ["GETSCREEN_API_KEY": "k"], currentDirectory: "/")
                })
        }
        for environment in [
            ["AWS_SECRET_ACCESS_KEY": secret], ["AWS_SECRET_ACCESS_KEY": secret, "AWS_ACCESS_KEY_ID": " "],
        ] {
            errors.append(
                try #require(throws: ConfigurationError.self) {
                    try ConfigurationLoader.load(
                        configFile: nil, overrides: ConfigurationOverrides(archiveRoot: "s3://bucket"),
                        environment: environment.merging(["GETSCREEN_API_KEY": "k"]) { $1 }, currentDirectory: "/")
                })
        }
        #expect(Set(errors.map(\.code)) == ["s3_credentials_file_invalid", "s3_credentials_incomplete"])
        for error in errors {
            for form in [secret, Self.key, URLRedaction.percentEncoded(secret)] {
                #expect(!error.description.contains(form), "\(error)")
                #expect(!ArchiverError.configuration(error).description.contains(form))
            }
        }
        let credentials = S3Credentials(accessKeyID: "AKIA1", secretAccessKey: secret)
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), dumped] {
            #expect(!text.contains(Self.key) && text.contains("AKIA1"), "\(text)")
        }
    }
}
