import ArchiverTestSupport
import Curl
import Foundation
import GetscreenSimulator
import Logging
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
}
