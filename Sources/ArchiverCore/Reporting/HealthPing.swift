import Curl
import FoundationEssentials
public import Logging

/// Tells a dead man's switch (healthchecks.io, or any monitor with its URL convention) that a run started and how
/// it ended, through the same libcurl as everything else.
///
/// The convention (healthchecks.io's "Pinging API"): `<url>/start` when the run starts, `<url>` when it exits 0,
/// `<url>/<exit code>` when it exits non-zero, which healthchecks records as a failure with that exit status.
/// A ping carries no API key and no header of the run; a ping that fails after a few tries is a warning in the log,
/// never a failed run. Only the URL's scheme and host are ever printed: the rest identifies the check.
public struct HealthPing: Sendable {
    /// What the monitor is told.
    public enum Event: Sendable, Equatable {
        /// The run starts (`<url>/start`).
        case start
        /// The run ends with `exitCode` (`<url>` for 0, `<url>/<exit code>` otherwise).
        case finish(exitCode: Int32)

        /// The URL this event is sent to, below `base`.
        func url(below base: String) -> String {
            switch self {
            case .start: base + "/start"
            case .finish(let exitCode): exitCode == 0 ? base : base + "/\(exitCode)"
            }
        }
    }

    /// Tries per ping, including the first.
    static let attempts = 3
    /// The time allowed to one try, connecting included; a monitor answers within milliseconds.
    static let timeout = Duration.seconds(10)

    private let url: String
    private let retryDelay: Duration
    private let logger: Logger

    /// A pinger for `configuration.pingURL`, or nil when none is configured.
    /// - Parameter retryDelay: the wait before the second try; each further try waits once more as long.
    public init?(configuration: ArchiverConfiguration, logger: Logger, retryDelay: Duration = .seconds(1)) {
        guard let url = configuration.pingURL else { return nil }
        self.url = url
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// Sends `event`, trying `attempts` times; logs a warning when no try got a 2xx answer.
    /// - Returns: whether the monitor acknowledged the ping.
    @discardableResult
    public func send(_ event: Event) async -> Bool {
        // An interrupted run (SIGINT, SIGTERM) cannot send: its task is cancelled, and so would every transfer be.
        // The monitor saw the start without an end and alerts after its grace time.
        guard !Task.isCancelled else {
            logger.info("monitoring ping not sent: the run was interrupted", metadata: ["ping": "\(event.name)"])
            return false
        }
        let target = event.url(below: url)
        let request = TransferRequest(
            url: target, destination: .memory(limit: 4096), connectTimeout: Self.timeout, lowSpeedLimit: nil,
            timeout: Self.timeout, userAgent: "getscreen-archiver/\(ToolVersion.current)")
        let problem: String?
        do {
            // A transfer engine of its own: the run's is not up yet at the start, and shut down at the end.
            let transport = try CurlMulti(maxConnections: 1)
            problem = await Self.perform(request, on: transport, attempts: Self.attempts, retryDelay: retryDelay)
            await transport.shutdown()
        } catch {
            problem = "libcurl did not start: \(error)"
        }
        guard let problem else {
            logger.debug("monitoring ping sent", metadata: ["ping": "\(event.name)", "host": "\(printableHost)"])
            return true
        }
        logger.warning(
            "monitoring ping failed; the run is not affected",
            metadata: ["ping": "\(event.name)", "host": "\(printableHost)", "reason": "\(problem)"])
        return false
    }

    /// Tries `request` until a 2xx answer; returns nil then, or the last problem.
    private static func perform(
        _ request: TransferRequest, on transport: CurlMulti, attempts: Int, retryDelay: Duration
    ) async -> String? {
        var problem = ""
        for attempt in 1...attempts {
            do {
                let response = try await transport.perform(request)
                if response.isSuccess { return nil }
                problem = "HTTP \(response.statusCode)"
            } catch is CancellationError {
                return "the run was interrupted"
            } catch {
                problem = "\(error)"
            }
            guard attempt < attempts else { break }
            do {
                try await Task.sleep(for: retryDelay * attempt)
            } catch {
                return "the run was interrupted"
            }
        }
        return "\(problem) (after \(attempts) tries)"
    }

    /// `scheme://host[:port]` of the URL: the path of a ping URL identifies the check and is not printed.
    private var printableHost: String {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, let host = parsed.host else { return "?" }
        return "\(scheme)://\(host)" + (parsed.port.map { ":\($0)" } ?? "")
    }
}

extension HealthPing.Event {
    /// `start`, `success` or `fail`, for the log.
    fileprivate var name: String {
        switch self {
        case .start: "start"
        case .finish(let exitCode): exitCode == 0 ? "success" : "fail (exit \(exitCode))"
        }
    }
}
