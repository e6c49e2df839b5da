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

    /// The kernel completes the connection (the socket listens), but nothing ever reads the request or answers.
    @Test(.timeLimit(.minutes(1))) func anEndpointThatNeverAnswersFailsAfterTheStallTimeout() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
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

/// A loopback port that listens but never accepts: connections complete in the kernel's backlog, and what
/// they send is never read or answered.
private final class SilentListener: Sendable {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, address, &length) == 0
            }
        }
        guard descriptor >= 0, listening else {
            Glibc.close(descriptor)
            throw SilentListenerError()
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        Glibc.close(descriptor)
    }
}

/// No loopback port could be bound and listened on.
private struct SilentListenerError: Error {}
