import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A fake Getscreen Connection History API and media host on 127.0.0.1, speaking real HTTP/1.1, for tests,
/// benchmarks and the `demo` command.
///
/// Serves `GET /v1/history/list`, `GET /v1/history/info` (both authenticated by the `X-Api-Key` header) and
/// `GET /video/<agent_id>/<session_id>.mp4` (authenticated by the `apikey` query parameter only). Keep-alive
/// and pipelining work. Faults, dataset changes and counter resets take effect for subsequent requests.
public final class GetscreenSimulator: Sendable {
    private let state: SimulatorState
    /// The listening socket; present between `start()` and `shutdown()`.
    private let listener = Mutex<(any Channel)?>(nil)
    /// The connections it accepted that are still open, closed by `shutdown()`.
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Creates a stopped simulator; call `start()` to bind and serve.
    /// - Parameters:
    ///   - dataset: The initial sessions.
    ///   - apiKey: The key requests must present.
    ///   - faults: The initial fault switches.
    public init(dataset: SimulatorDataset, apiKey: String, faults: SimulatorFaults = SimulatorFaults()) {
        self.state = SimulatorState(dataset: dataset, apiKey: apiKey, faults: faults)
    }

    /// Binds 127.0.0.1 on `port` (0, the default, picks a free one) and starts serving, on the process's shared
    /// event loops (`MultiThreadedEventLoopGroup.singleton`): a test process runs dozens of simulators at once, and
    /// event loops of their own (an epoll, an eventfd, a timerfd and a thread each) pushed it past 1,024 open
    /// descriptors, where Foundation's `Process` stops noticing that its children end. Does nothing if already
    /// started; call it from one task only.
    /// - Throws: The bind error.
    public func start(port requestedPort: Int = 0) async throws {
        guard listener.withLock({ $0 == nil }) else { return }
        let state = self.state
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [weak self] channel in
                state.connectionAccepted()
                self?.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        SimulatorHTTPHandler(router: SimulatorRouter(state: state))
                    )
                }
            }
        // A client may connect the moment the socket listens, before `bind` returns: media URLs in the
        // answers must already carry the port.
        if requestedPort != 0 { state.storage.withLock { $0.port = requestedPort } }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: requestedPort).get()
        let port = channel.localAddress?.port ?? 0
        state.storage.withLock { $0.port = port }
        listener.withLock { $0 = channel }
    }

    /// Keeps `connection` among the open ones until it closes.
    private func track(_ connection: any Channel) {
        let id = ObjectIdentifier(connection)
        connections.withLock { $0[id] = connection }
        connection.closeFuture.whenComplete { [weak self] _ in
            self?.connections.withLock { _ = $0.removeValue(forKey: id) }
        }
    }

    /// The bound port; 0 before `start()`.
    public var port: Int {
        state.storage.withLock { $0.port }
    }

    /// `http://127.0.0.1:<port>/v1`, the API base URL (`history/list` is at `baseURL + "/history/list"`).
    public var baseURL: String {
        "http://127.0.0.1:\(port)/v1"
    }

    /// Replaces the fault switches for subsequent requests. A media response already streaming keeps its pace.
    public func setFaults(_ faults: SimulatorFaults) {
        state.storage.withLock { $0.faults = faults }
    }

    /// A snapshot of the counters.
    public var counters: SimulatorCounters {
        state.storage.withLock { $0.counters }
    }

    /// Zeroes the counters and forgets recorded requests. The concurrency peak restarts from the media
    /// responses still in flight.
    public func resetCounters() {
        state.storage.withLock {
            $0.counters = SimulatorCounters()
            $0.counters.maxConcurrentMediaResponses = $0.mediaInFlight
        }
    }

    /// Adds sessions while running (pagination-drift tests); a session whose id exists replaces it.
    public func insert(_ sessions: [SimulatedSession]) {
        state.storage.withLock { $0.upsert(sessions) }
    }

    /// The ids of the sessions the simulator holds now.
    public var sessionIDs: [Int] {
        state.storage.withLock { $0.sessionsNewestFirst.map(\.id) }
    }

    /// Removes sessions while running; unknown ids are ignored.
    public func remove(sessionIDs: Set<Int>) {
        state.storage.withLock { $0.remove(sessionIDs) }
    }

    /// Closes the listening socket and every connection still open. Does nothing if not started.
    /// - Throws: An error from closing the listening socket.
    public func shutdown() async throws {
        guard let channel = listener.withLock({ $0.take() }) else { return }
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            // Already closed by the event loop; nothing to do.
        }
        for connection in connections.withLock({ $0.values }) {
            try? await connection.close()
        }
    }
}
