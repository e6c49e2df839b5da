internal import CCurl
import Foundation
import Synchronization

/// Performs HTTP transfers concurrently on one libcurl multi handle, driven by one dedicated thread.
///
/// Threading contract: only the driver thread touches the `CURLM` handle and every easy handle. Other
/// threads hand work over through a `Mutex`-guarded inbox and wake the driver with `curl_multi_wakeup`,
/// the one multi call libcurl documents as safe from any thread. Connections are kept in the multi
/// handle's cache, so consecutive transfers to one host reuse them.
public final class CurlMulti: Sendable {
    private struct Inbox: ~Copyable {
        var additions: [Transfer] = []
        var cancellations: [Transfer] = []
        var isShuttingDown = false
        var isShutDown = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let driver: Driver
    private let inbox = Mutex(Inbox())

    /// Creates the multi handle and starts its driver thread.
    /// - Parameter maxConnections: the size of the connection cache (`CURLMOPT_MAXCONNECTS`); set it to at
    ///   least the number of concurrent transfers so that every transfer slot keeps its connection.
    /// - Throws: `CurlError` when libcurl cannot initialise.
    public init(maxConnections: Int = 16) throws(CurlError) {
        try CurlGlobal.ensureInitialized()
        guard let multi = curl_multi_init() else { throw CurlError(code: CURLE_OUT_OF_MEMORY, detail: nil) }
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        driver = Driver(multi: multi)
        let thread = Thread { [self] in self.driveUntilShutdown() }
        thread.name = "curl-multi"
        thread.start()
    }

    /// Performs one request and returns its response once the body is complete.
    ///
    /// Cancelling the calling task aborts the transfer and throws `CancellationError`.
    /// - Throws: `CurlError` when the transfer fails below HTTP (connect, timeout, truncated body, write
    ///   error); `CancellationError`; `CurlMultiShutDown` after `shutdown()`.
    public func perform(_ request: TransferRequest) async throws -> TransferResponse {
        let transfer = Transfer(request: request)
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
    ///
    /// Call it before the process exits: libcurl's TLS backend must not be torn down by `atexit` while
    /// handles are alive.
    public func shutdown() async {
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
        curl_multi_wakeup(driver.multi)
    }

    // MARK: Driver thread

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
                    try transfer.attach(to: driver.multi)
                    active[transfer.easy!] = transfer
                } catch {
                    transfer.detach(from: nil)
                    transfer.finish(.failure(error))
                }
            }
            for transfer in cancellations {
                guard let easy = transfer.easy, active.removeValue(forKey: easy) != nil else { continue }
                transfer.detach(from: driver.multi)
                transfer.finish(.failure(CancellationError()))
            }
            if isShuttingDown {
                for transfer in active.values {
                    transfer.detach(from: driver.multi)
                    transfer.finish(.failure(CurlMultiShutDown()))
                }
                break
            }

            var running: Int32 = 0
            curl_multi_perform(driver.multi, &running)
            var easy: UnsafeMutableRawPointer?
            var code = CURLE_OK
            while ccurl_multi_info_read_done(driver.multi, &easy, &code) == 1 {
                guard let done = easy, let transfer = active.removeValue(forKey: done) else { continue }
                let outcome = transfer.outcome(for: code)
                transfer.detach(from: driver.multi)
                transfer.finish(outcome)
            }
            var ready: Int32 = 0
            curl_multi_poll(driver.multi, nil, 0, 1000, &ready)
        }
        let waiters = inbox.withLock { inbox in
            // Freed under the lock: no thread can be inside curl_multi_wakeup now or later.
            inbox.isShutDown = true
            curl_multi_cleanup(driver.multi)
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
private final class Driver: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer
    init(multi: UnsafeMutableRawPointer) { self.multi = multi }
}
