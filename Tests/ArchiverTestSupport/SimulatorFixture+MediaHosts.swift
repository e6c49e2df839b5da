import Foundation
import GetscreenSimulator

extension SimulatorFixture {
    /// Writes `config.yaml` as `writeConfig(extra:)` does, with `mediaHosts` as `media_hosts`.
    public func writeConfig(mediaHosts: [String], extra: String = "") throws -> String {
        let path = "\(workspace.path)/config.yaml"
        let yaml = """
            api:
              base_url: \(simulator.baseURL)
            archive:
              root: \(root)
              min_free: 0
            media_hosts: [\(mediaHosts.map { "\"\($0)\"" }.joined(separator: ", "))]
            allow_insecure_http: true
            retry:
              attempts: 2
              max_delay: 1s
            \(extra)
            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

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
