public import ArchiverCore
import Crypto
import Foundation
public import GetscreenSimulator

/// Starts a simulator serving `dataset` with `faults` and creates an empty archive root, runs `body` with them,
/// then awaits their teardown (the simulator stopped, the workspace deleted), whether `body` returned or threw.
/// - Returns: what `body` returns.
/// - Throws: what starting the simulator, creating the workspace or `body` throws.
@discardableResult
public func withSimulator<Value>(
    dataset: SimulatorDataset, faults: SimulatorFaults = SimulatorFaults(),
    isolation: isolated (any Actor)? = #isolation, _ body: (SimulatorFixture) async throws -> Value
) async throws -> Value {
    let fixture = try await SimulatorFixture(dataset: dataset, faults: faults)
    let value: Value
    do {
        value = try await body(fixture)
    } catch {
        await fixture.tearDown()
        throw error
    }
    await fixture.tearDown()
    return value
}

/// A running simulator and an archive root to sync into, for the body of `withSimulator(dataset:faults:_:)`.
public struct SimulatorFixture: Sendable {
    /// The key the simulator accepts.
    public static let apiKey = "test-key-5c1b7e0f-8f9e-4d6a-a1b2-c3d4e5f60718"

    public let simulator: GetscreenSimulator
    public let dataset: SimulatorDataset
    /// A temporary folder holding `root`, so that tests can check nothing lands beside the root.
    public let workspace: TemporaryDirectory
    /// The archive root (exists, empty at start).
    public let root: String

    /// Starts a simulator serving `dataset` with `faults`, and creates an empty archive root.
    fileprivate init(dataset: SimulatorDataset, faults: SimulatorFaults = SimulatorFaults()) async throws {
        self.dataset = dataset
        simulator = GetscreenSimulator(dataset: dataset, apiKey: Self.apiKey, faults: faults)
        try await simulator.start()
        workspace = try TemporaryDirectory()
        root = try workspace.subfolder("archive")
    }

    /// The catalog's folder in `configuration()`: the default one of the binary run in the workspace
    /// (`ArchiverProcess` sets `XDG_STATE_HOME` there), so that in-process runs and the binary share the catalog,
    /// and never the user's own state folder.
    public var stateDirectory: String {
        "\(ArchiverProcess.stateHome(in: workspace.path))/\(StateDirectory.applicationFolderName)/"
            + StateDirectory.folderName(forArchive: root)
    }

    /// A configuration pointing at the simulator and the root.
    /// Retries are quick (10 ms backoff, three tries) so that fault tests stay fast, and there is no free-space
    /// reserve (test machines may have little disk).
    public func configuration(transfers: Int = 4, mediaHosts: [String] = ["127.0.0.1"]) throws -> ArchiverConfiguration
    {
        var configuration = ArchiverConfiguration(
            apiBaseURL: URL(string: simulator.baseURL)!,
            apiKey: APIKey(Self.apiKey)!,
            archiveRoot: root,
            transfers: transfers,
            mediaHosts: try mediaHosts.map { try HostPattern($0) },
            allowInsecureHTTP: true,
            stateDirectory: stateDirectory
        )
        configuration.minimumFreeBytes = 0
        configuration.retryAttempts = 3
        configuration.retryBaseDelay = .milliseconds(10)
        configuration.retryMaxDelay = .seconds(2)
        return configuration
    }

    /// Writes `config.yaml` into the workspace for the built binary: the simulator's API, the root, loopback
    /// media over http, two quick tries per request and no free-space reserve (test machines may have little
    /// disk). `mediaHosts` become `media_hosts`; `extra` adds top-level YAML lines.
    public func writeConfig(mediaHosts: [String] = ["127.0.0.1"], extra: String = "") throws -> String {
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

    /// The path below the root, with extension, where the default layout files `session` (computed
    /// independently of the archiver's layout code).
    public static func expectedPath(of session: SimulatedSession) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second],
            from: Date(timeIntervalSince1970: TimeInterval(session.start))
        )
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(session.agent.name)-\(session.agent.id)/\(parts.year!)/\(two(parts.month))/\(two(parts.day))/"
            + "\(two(parts.hour))\(two(parts.minute))\(two(parts.second))_\(session.id).mp4"
    }

    /// Stops the simulator and deletes the workspace.
    fileprivate func tearDown() async {
        try? await simulator.shutdown()
        workspace.remove()
    }
}

/// The whole expected body of `session`'s recording.
public func expectedBytes(of session: SimulatedSession) -> [UInt8] {
    GetscreenSimulator.mediaBytes(sessionID: session.id, range: 0..<session.videoSize)
}

/// The SHA-256 of `bytes`, lowercase hex, computed independently of the archiver's streaming hash.
public func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Reads a whole file.
public func contents(of path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
}
