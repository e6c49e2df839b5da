import Foundation
import GetscreenSimulator
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The simulator's `history/list` date filter (start, stop or overlap) and its clock for late recordings.
struct SimulatedDateFilterTests {
    static let agent = SimulatedAgent(id: 7, name: "PC", group: nil)
    /// Sessions 1: 100-200, 2: 250-350, 3: 400-500.
    static let dataset = SimulatorDataset(
        sessions: [(1, 100, 200), (2, 250, 350), (3, 400, 500)].map {
            SimulatedSession(id: $0.0, uid: "u\($0.0)", start: $0.1, stop: $0.2, agent: agent, videoSize: 10)
        })

    /// (filter, ids listed for date_from=150, date_to=420)
    @Test(arguments: [
        (SimulatedDateFilter.start, [3, 2]), (.stop, [2, 1]), (.overlap, [3, 2, 1]),
    ])
    func listsWhatTheFilterAdmits(filter: SimulatedDateFilter, listed: [Int]) async throws {
        var faults = SimulatorFaults()
        faults.listDateFilter = filter
        #expect(try await ids(faults, query: "date_from=150&date_to=420") == listed)
    }

    @Test func theClockHidesRecordingsNotYetAppeared() async throws {
        var faults = SimulatorFaults()
        faults.clock = 450
        faults.recordingDelays = [1: 300]
        // 1 appears at 500, 3 has not stopped yet.
        #expect(try await ids(faults, query: "") == [2])
        faults.clock = 500
        #expect(try await ids(faults, query: "") == [3, 2, 1])
        faults.clock = 499
        faults.recordingDelays = [:]
        #expect(try await ids(faults, query: "") == [2, 1])
    }

    private func ids(_ faults: SimulatorFaults, query: String) async throws -> [Int] {
        let simulator = GetscreenSimulator(dataset: Self.dataset, apiKey: "key", faults: faults)
        let data = try await withRunning(simulator) { simulator in
            var request = URLRequest(url: try #require(URL(string: "\(simulator.baseURL)/history/list?\(query)")))
            request.setValue("key", forHTTPHeaderField: "X-Api-Key")
            return try await URLSession.shared.data(for: request).0
        }
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (object["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }
}
