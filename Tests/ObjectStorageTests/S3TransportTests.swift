import ArchiverTestSupport
import Curl
import Glibc
import Testing

@testable import ObjectStorage

/// The client's connect and stall timeouts, against loopback sockets that never answer (no store needed).
struct S3TransportTests {
    @Test func anEndpointThatRefusesConnectionsFailsFastAndRetryably() async throws {
        let port = try RefusingPort()
        defer { port.release() }
        let curl = try CurlMulti()
        let client = client(port: port.port, curl: curl, stallTimeout: .seconds(60))
        let started = ContinuousClock.now
        let failure = await #expect(throws: S3Error.self) { try await client.listObjectsV2(bucket: "bucket") }
        let elapsed = ContinuousClock.now - started
        await curl.shutdown()
        guard case .transport = failure?.kind else {
            Issue.record("not a transport failure: \(String(describing: failure))")
            return
        }
        #expect(failure?.code == "curl_connect")
        #expect(failure?.isRetryable == true)
        #expect(failure?.description.contains("got no answer") == true)
        #expect(elapsed < .seconds(5))
    }

    /// The kernel completes the connection (the socket listens, never accepts); nothing reads the request or answers.
    @Test(.timeLimit(.minutes(1))) func anEndpointThatNeverAnswersFailsAfterTheStallTimeout() async throws {
        let listener = try LoopbackSocket.bound(listening: 8)
        defer { close(listener.descriptor) }
        let curl = try CurlMulti()
        let client = client(port: listener.port, curl: curl, stallTimeout: .seconds(2))
        let started = ContinuousClock.now
        let failure = await #expect(throws: S3Error.self) { try await client.headObject(bucket: "b", key: "k") }
        let elapsed = ContinuousClock.now - started
        await curl.shutdown()
        guard case .transport = failure?.kind else {
            Issue.record("not a transport failure: \(String(describing: failure))")
            return
        }
        #expect(failure?.code == "curl_timeout")
        #expect(failure?.isRetryable == true)
        #expect(elapsed >= .milliseconds(1500) && elapsed < .seconds(6), "\(elapsed)")
    }

    private func client(port: Int, curl: CurlMulti, stallTimeout: Duration) -> S3Client {
        S3Client(
            endpoint: S3Endpoint(url: "http://127.0.0.1:\(port)", region: "us-east-1", addressing: .pathStyle),
            credentials: S3Credentials(accessKeyID: "AK", secretAccessKey: "SECRET-VALUE"), curl: curl,
            connectTimeout: .seconds(2), stallTimeout: stallTimeout)
    }
}
