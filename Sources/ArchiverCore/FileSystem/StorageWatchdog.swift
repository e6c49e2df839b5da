import Curl
import Glibc
import Synchronization

/// Ends the process when a call into the archive's storage does not return within `timeouts.storage`.
///
/// A blocking system call on a hung FUSE, NFS or SMB mount cannot be cancelled from Swift, and the kernel may not
/// even deliver signals to the thread making it. So the storage calls of a run are registered here while they
/// are in flight (`guarding(_:_:)` for single calls, a `Slot` for the many writes of one transfer), and a
/// dedicated thread checks them about once a second: when one has been in flight longer than the timeout, it
/// writes `ArchiverError.storageUnresponsive` to stderr and calls `_exit(3)`. The `flock` goes with the process;
/// the lease file is then stale by "same host, dead pid" and the next run takes it over.
///
/// Registering costs a lock and a dictionary update per call; a `Slot` costs two atomic stores per write.
public final class StorageWatchdog: Sendable {
    /// The process's watchdog, armed by every run with its `timeouts.storage`.
    public static let shared = StorageWatchdog()

    /// A registration reused for a sequence of calls (the writes of one transfer): cheap to mark busy and idle.
    final class Slot: Sendable {
        let operation: String
        /// `ContinuousClock` nanoseconds since the watchdog's epoch at which the current call started; 0 when idle.
        private let startedAt = Atomic<Int64>(0)
        private let watchdog: StorageWatchdog

        fileprivate init(operation: String, watchdog: StorageWatchdog) {
            self.operation = operation
            self.watchdog = watchdog
        }

        /// Marks a call as started.
        func begin() { startedAt.store(max(1, watchdog.now()), ordering: .relaxed) }
        /// Marks the call as returned.
        func end() { startedAt.store(0, ordering: .relaxed) }

        fileprivate var callStart: Int64? {
            let value = startedAt.load(ordering: .relaxed)
            return value == 0 ? nil : value
        }
    }

    private struct State {
        var timeout: Duration?
        var isWatching = false
        var nextID = 0
        var calls: [Int: (operation: String, startedAt: Int64)] = [:]
        var slots: [ObjectIdentifier: Slot] = [:]
        var reported = false
    }

    private let state = Mutex(State())
    private let epoch = ContinuousClock.now
    private let onHang: @Sendable (ArchiverError) -> Void

    /// Creates a watchdog that calls `onHang` once, from its own thread, when a call exceeds the timeout.
    /// - Parameter onHang: By default writes the error to stderr and ends the process with `_exit(3)`.
    init(onHang: @escaping @Sendable (ArchiverError) -> Void = StorageWatchdog.exitProcess) {
        self.onHang = onHang
    }

    /// Sets the timeout (`timeouts.storage`) and starts the watching thread if it is not running yet.
    func arm(timeout: Duration) {
        let startsThread = state.withLock { state in
            state.timeout = timeout
            defer { state.isWatching = true }
            return !state.isWatching
        }
        guard startsThread else { return }
        DriverThread.start(name: "storage-watch") { [self] in
            while true {
                let interval = state.withLock { $0.timeout }.map { min($0 / 10, .seconds(1)) } ?? .seconds(1)
                var pause = timespec(tv_sec: Int(interval.components.seconds), tv_nsec: 0)
                pause.tv_nsec = Int(interval.components.attoseconds / 1_000_000_000)
                nanosleep(&pause, nil)
                if let hang = overdueCall() { onHang(hang) }
            }
        }
    }

    /// Runs `body`, a call into the archive's storage described by `operation` ("renaming /mnt/rec/a.mp4"),
    /// registered as in flight while it runs. `errno` after it is the one `body` left.
    func guarding<Value, Failure: Error>(
        _ operation: @autoclosure () -> String,
        _ body: () throws(Failure) -> Value
    ) throws(Failure) -> Value {
        let call = (operation: operation(), startedAt: now())
        let id = state.withLock { state in
            state.nextID += 1
            state.calls[state.nextID] = call
            return state.nextID
        }
        defer {
            // Callers read errno after the call: keep the call's.
            let callErrno = errno
            _ = state.withLock { $0.calls.removeValue(forKey: id) }
            errno = callErrno
        }
        return try body()
    }

    /// A slot for the calls of `operation`, watched until `remove(_:)`.
    func addSlot(_ operation: String) -> Slot {
        let slot = Slot(operation: operation, watchdog: self)
        state.withLock { $0.slots[ObjectIdentifier(slot)] = slot }
        return slot
    }

    /// Stops watching `slot`.
    func remove(_ slot: Slot) {
        _ = state.withLock { $0.slots.removeValue(forKey: ObjectIdentifier(slot)) }
    }

    /// The storage call in flight for the longest time, and for how long; nil when none is.
    public func longestCall() -> (operation: String, duration: Duration)? {
        let current = now()
        let oldest = state.withLock { state in
            let calls = state.calls.values.map { ($0.operation, $0.startedAt) }
            let slots = state.slots.values.compactMap { slot in slot.callStart.map { (slot.operation, $0) } }
            return (calls + slots).min { $0.1 < $1.1 }
        }
        return oldest.map { ($0.0, .nanoseconds(current - $0.1)) }
    }

    /// The error for a call in flight longer than the timeout, once; nil otherwise.
    private func overdueCall() -> ArchiverError? {
        guard let (operation, duration) = longestCall() else { return nil }
        return state.withLock { state -> ArchiverError? in
            guard let timeout = state.timeout, duration > timeout, !state.reported else { return nil }
            state.reported = true
            return .storageUnresponsive(operation: operation, timeout: timeout)
        }
    }

    private func now() -> Int64 {
        let (seconds, attoseconds) = (ContinuousClock.now - epoch).components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Writes `error` to stderr, has the run's report and metrics say it (`FinalWords`), and ends the process at
    /// once with its exit code: the hung call never returns, so nothing else could end it (`exit` would run
    /// handlers that may wait for the hung thread).
    @Sendable static func exitProcess(_ error: ArchiverError) {
        let bytes = Array("error: \(error)\n".utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        FinalWords.write(error)
        _exit(error.exitCode)
    }
}
