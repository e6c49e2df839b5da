internal import CCurl
import FoundationEssentials
import Synchronization

/// Performs HTTP transfers concurrently on libcurl multi handles, each driven by its own thread.
///
/// One thread can only receive, write and hash so many bytes a second; with `threads` above 1, transfers are
/// spread over that many multi handles, each new one going to the handle with the fewest transfers, so a run
/// uses every core while each slot still keeps its connection.
///
/// Threading contract: only a handle's driver thread touches that `CURLM` handle and its easy handles. Other
/// threads hand work over through a `Mutex`-guarded inbox and wake the driver with `curl_multi_wakeup`, the
/// one multi call libcurl documents as safe from any thread. Connections are kept in each multi handle's
/// cache, so consecutive transfers on one handle to one host reuse them.
public final class CurlMulti: Sendable {
    private let drivers: [MultiDriver]
    /// Per driver, the transfers submitted and not yet finished.
    private let loads: Mutex<[Int]>

    /// Creates the multi handles and starts their driver threads.
    /// - Parameters:
    ///   - maxConnections: the size of each handle's connection cache (`CURLMOPT_MAXCONNECTS`); set it to at
    ///     least the number of concurrent transfers so that every transfer slot keeps its connection.
    ///   - threads: how many multi handles, each with its own driver thread, share the transfers.
    ///   - bandwidthLimiter: the limit that the requests marked `isBandwidthLimited` share, on every thread.
    /// - Throws: `CurlError` when libcurl cannot initialise.
    public init(
        maxConnections: Int = 16, threads: Int = 1, bandwidthLimiter: BandwidthLimiter? = nil
    ) throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        var drivers: [MultiDriver] = []
        for index in 0..<max(1, threads) {
            drivers.append(
                try MultiDriver(
                    maxConnections: maxConnections, limiter: bandwidthLimiter, name: "curl-multi-\(index)"))
        }
        self.drivers = drivers
        loads = Mutex(Array(repeating: 0, count: drivers.count))
    }

    /// Performs one request and returns its response once the body is complete.
    ///
    /// Cancelling the calling task aborts the transfer and throws `CancellationError`.
    /// - Throws: `CurlError` when the transfer fails below HTTP (connect, timeout, truncated body, write
    ///   error); `CancellationError`; `CurlMultiShutDown` after `shutdown()`.
    public func perform(_ request: TransferRequest) async throws -> TransferResponse {
        // The least loaded handle: with N transfers at most, none ever holds more than ⌈N / threads⌉ at once,
        // so each keeps that many connections.
        let index = loads.withLock { loads in
            let index = loads.indices.min { loads[$0] < loads[$1] }!
            loads[index] += 1
            return index
        }
        defer { loads.withLock { $0[index] -= 1 } }
        return try await drivers[index].perform(request)
    }

    /// Aborts what is still running, stops the driver threads and frees the multi handles.
    ///
    /// Call it before the process exits: libcurl's TLS backend must not be torn down by `atexit` while
    /// handles are alive.
    public func shutdown() async {
        for driver in drivers { await driver.shutdown() }
    }
}

/// One multi handle and the thread that drives it.
private final class MultiDriver: Sendable {
    private struct Inbox: ~Copyable {
        var additions: [Transfer] = []
        var cancellations: [Transfer] = []
        var isShuttingDown = false
        var isShutDown = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The longest wait in `curl_multi_poll`: a wakeup or a socket event ends it sooner.
    private static let pollTimeoutMilliseconds: Int32 = 1000

    private let handle: MultiHandle
    private let inbox = Mutex(Inbox())
    private let limiter: BandwidthLimiter?

    init(maxConnections: Int, limiter: BandwidthLimiter?, name: String) throws(CurlError) {
        self.limiter = limiter
        guard let multi = curl_multi_init() else { throw CurlError(code: CURLE_OUT_OF_MEMORY, detail: nil) }
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        handle = MultiHandle(multi: multi)
        DriverThread.start(name: name) { [self] in self.driveUntilShutdown() }
    }

    func perform(_ request: TransferRequest) async throws -> TransferResponse {
        let transfer = Transfer(request: request, limiter: limiter)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard transfer.submit(continuation) else { return }
                let accepted = inbox.withLock { inbox -> Bool in
                    guard !inbox.isShuttingDown else { return false }
                    inbox.additions.append(transfer)
                    wakeDriver(inbox)
                    return true
                }
                if !accepted { transfer.finish(.failure(CurlMultiShutDown())) }
            }
        } onCancel: {
            guard transfer.markCancelled() else { return }
            inbox.withLock { inbox in
                guard !inbox.isShutDown else { return }
                inbox.cancellations.append(transfer)
                wakeDriver(inbox)
            }
        }
    }

    /// Aborts what is still running, stops the driver thread and frees the multi handle.
    func shutdown() async {
        await withCheckedContinuation { continuation in
            inbox.withLock { inbox in
                if inbox.isShutDown {
                    continuation.resume()
                    return
                }
                inbox.isShuttingDown = true
                inbox.shutdownWaiters.append(continuation)
                wakeDriver(inbox)
            }
        }
    }

    /// Called with the inbox lock held, so the multi handle cannot be freed under it.
    private func wakeDriver(_ inbox: borrowing Inbox) {
        guard !inbox.isShutDown else { return }
        curl_multi_wakeup(handle.multi)
    }

    // MARK: Driver thread

    /// Resumes the transfers paused for bandwidth once the bucket has refilled, in random order so that none
    /// starves.
    private func resumeTransfersPausedForBandwidth(_ active: Dictionary<UnsafeMutableRawPointer, Transfer>.Values) {
        guard let limiter else { return }
        for transfer in active.filter(\.isPausedForBandwidth).shuffled()
        where limiter.delayUntilAvailable() == .zero {
            transfer.resumeAfterBandwidthPause()
        }
    }

    /// How long the driver may wait in `curl_multi_poll`, in milliseconds: while a transfer is paused for
    /// bandwidth, until the bucket refills (at least 1 ms); else the usual second.
    private func pollTimeout(_ active: Dictionary<UnsafeMutableRawPointer, Transfer>.Values) -> Int32 {
        guard let limiter, active.contains(where: \.isPausedForBandwidth) else { return Self.pollTimeoutMilliseconds }
        let (seconds, attoseconds) = limiter.delayUntilAvailable().components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: min(max(1, milliseconds), Int64(Self.pollTimeoutMilliseconds)))
    }

    private func driveUntilShutdown() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        while true {
            let (additions, cancellations, isShuttingDown) = inbox.withLock { inbox in
                defer {
                    inbox.additions.removeAll()
                    inbox.cancellations.removeAll()
                }
                return (inbox.additions, inbox.cancellations, inbox.isShuttingDown)
            }
            for transfer in additions {
                do {
                    try transfer.attach(to: handle.multi)
                    active[transfer.easy!] = transfer
                } catch {
                    transfer.detach(from: nil)
                    transfer.finish(.failure(error))
                }
            }
            for transfer in cancellations {
                guard let easy = transfer.easy, active.removeValue(forKey: easy) != nil else { continue }
                transfer.detach(from: handle.multi)
                transfer.finish(.failure(CancellationError()))
            }
            if isShuttingDown {
                for transfer in active.values {
                    transfer.detach(from: handle.multi)
                    transfer.finish(.failure(CurlMultiShutDown()))
                }
                break
            }

            resumeTransfersPausedForBandwidth(active.values)
            var running: Int32 = 0
            curl_multi_perform(handle.multi, &running)
            var easy: UnsafeMutableRawPointer?
            var code = CURLE_OK
            while ccurl_multi_info_read_done(handle.multi, &easy, &code) == 1 {
                guard let done = easy, let transfer = active.removeValue(forKey: done) else { continue }
                let outcome = transfer.outcome(for: code)
                transfer.detach(from: handle.multi)
                transfer.finish(outcome)
            }
            // After curl_multi_perform, which may have paused transfers: libcurl does not watch their sockets, so
            // only this timeout wakes the driver to resume them.
            var ready: Int32 = 0
            curl_multi_poll(handle.multi, nil, 0, pollTimeout(active.values), &ready)
        }
        let waiters = inbox.withLock { inbox in
            // Freed under the lock: no thread can be inside curl_multi_wakeup now or later.
            inbox.isShutDown = true
            curl_multi_cleanup(handle.multi)
            defer { inbox.shutdownWaiters.removeAll() }
            return inbox.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Thrown by `CurlMulti.perform` once the multi handle has been shut down.
public struct CurlMultiShutDown: Error, Sendable, CustomStringConvertible {
    public var description: String { "the transfer engine has shut down" }
}

/// Owns the `CURLM` pointer. Confinement: the pointer is used by the driver thread, and by
/// `curl_multi_wakeup` from any thread while the inbox lock shows the handle alive.
private final class MultiHandle: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer
    init(multi: UnsafeMutableRawPointer) { self.multi = multi }
}
