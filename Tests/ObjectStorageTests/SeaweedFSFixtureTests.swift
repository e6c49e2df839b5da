import Testing

@testable import ArchiverTestSupport

/// The SeaweedFS fixture when ports clash: tests start many stores at once, in this process and in others, and
/// a store must never be handed over while another process answers on its S3 port.
@Suite(.enabled(if: SeaweedFS.isAvailable, "\(SeaweedFS.unavailableReason ?? "")"))
struct SeaweedFSFixtureTests {
    /// A store whose S3 port another store's filer holds is not ready: the filer answers HTTP there (it takes
    /// PutObject, but keeps no checksum and answers a missing key with an empty 404) until the store's own
    /// `weed server` ends on the taken port, which reads as `SeaweedFSExited`, so `withSeaweedFS` starts it again.
    @Test func aStoreWhoseS3PortAnotherProcessHoldsIsNeverReady() async throws {
        try await withSeaweedFS { other in
            let store = try SeaweedFS(.singleServer, s3Port: other.ports.filer)
            defer { store.tearDown() }
            await #expect(throws: SeaweedFSExited.self) { try await store.waitUntilReady() }
        }
    }

    /// Ports reserved at the same time by parallel tasks are distinct, and a released port can be reserved again.
    @Test func portsReservedInParallelAreDistinct() async throws {
        let batches = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<100 { group.addTask { try SeaweedFS.reservePorts(10) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { for batch in batches { SeaweedFS.releasePorts(batch) } }
        let ports = batches.flatMap { $0 }
        #expect(ports.count == 1000)
        #expect(Set(ports).count == ports.count, "a port was handed out twice")
    }
}
