import Foundation
import GetscreenSimulator
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct GetscreenSimulatorTests {
    @Test func mediaBytesAreSliceConsistent() {
        let whole = GetscreenSimulator.mediaBytes(sessionID: 42, range: 0..<300)
        for lower in 0..<50 {
            for upper in lower..<(lower + 30) {
                #expect(
                    GetscreenSimulator.mediaBytes(sessionID: 42, range: lower..<upper) == Array(whole[lower..<upper]))
            }
        }
        #expect(Array(whole[4..<8]) == Array("ftyp".utf8))
        #expect(GetscreenSimulator.mediaBytes(sessionID: 43, range: 40..<80) != Array(whole[40..<80]))
    }

    @Test func seededDatasetIsDeterministicAndOrdered() {
        let first = SimulatorDataset.seeded(seed: 7, sessionCount: 50)
        let second = SimulatorDataset.seeded(seed: 7, sessionCount: 50)
        #expect(first.sessions == second.sessions)
        #expect(Set(first.sessions.map(\.agent.id)).count <= 3)
        for (earlier, later) in zip(first.sessions, first.sessions.dropFirst()) {
            #expect(earlier.id < later.id)
            #expect(earlier.start <= later.start)
        }
        #expect(first.sessions.allSatisfy { $0.stop <= 1_780_000_000 && (20_000...400_000).contains($0.videoSize) })
    }

    @Test func listsPagesNewestFirstAndServesMedia() async throws {
        let simulator = GetscreenSimulator(
            dataset: .seeded(seed: 1, sessionCount: 25),
            apiKey: "key",
            faults: {
                var faults = SimulatorFaults()
                faults.maxPageLimit = 10
                return faults
            }()
        )
        try await withRunning(simulator) { try await exercise($0) }
    }

    private func exercise(_ simulator: GetscreenSimulator) async throws {
        var ids: [Int] = []
        var offset = 0
        while true {
            let (page, status) = try await get(
                "\(simulator.baseURL)/history/list?offset=\(offset)&limit=100", apiKey: "key")
            #expect(status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: page) as? [String: Any])
            #expect(object["limit"] as? Int == 10)
            #expect(object["total"] as? Int == 25)
            let data = try #require(object["data"] as? [[String: Any]])
            ids += data.compactMap { $0["id"] as? Int }
            if data.isEmpty { break }
            offset += data.count
        }
        #expect(ids.count == 25)
        #expect(ids == ids.sorted(by: >))

        let (_, rejected) = try await get("\(simulator.baseURL)/history/list", apiKey: "wrong")
        #expect(rejected == 403)

        let session = try #require(SimulatorDataset.seeded(seed: 1, sessionCount: 25).sessions.first)
        let mediaURL = "http://127.0.0.1:\(simulator.port)/video/\(session.agent.id)/\(session.id).mp4"
        let (body, mediaStatus) = try await get(mediaURL + "?apikey=key", apiKey: nil)
        #expect(mediaStatus == 200)
        #expect(Array(body) == GetscreenSimulator.mediaBytes(sessionID: session.id, range: 0..<session.videoSize))
        let (_, headerOnly) = try await get(mediaURL, apiKey: "key")
        #expect(headerOnly == 403)

        let counters = simulator.counters
        #expect(counters.listRequests == 5)
        #expect(counters.mediaRequests == 2)
        #expect(counters.rejectedRequests == 2)
        #expect(counters.maxConcurrentMediaResponses == 1)
    }

    private func get(_ url: String, apiKey: String?) async throws -> (Data, Int) {
        var request = URLRequest(url: try #require(URL(string: url)))
        if let apiKey {
            request.setValue(apiKey, forHTTPHeaderField: "X-Api-Key")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
