import Foundation
import GetscreenSimulator

extension SimulatorFixture {
    /// The media requests the simulator received, with the host each was sent to (`Host` without the port).
    public var mediaRequestHosts: [(host: String, carriesKey: Bool, path: String, query: [String: String])] {
        simulator.counters.requests.filter { $0.path.hasPrefix("/video/") }.map { request in
            let host = request.headers["host"].map { String($0.split(separator: ":").first ?? "") } ?? ""
            return (
                host, request.query["apikey"] != nil || request.rawQuery.contains(Self.apiKey), request.path,
                request.query
            )
        }
    }
}
