import Synchronization

/// Where a run's downloads stand at one moment.
public struct ProgressSnapshot: Sendable, Equatable {
    /// Recordings the plan downloads.
    public var filesTotal = 0
    /// Recordings archived so far.
    var filesDone = 0
    /// Recordings that failed so far.
    var filesFailed = 0
    /// Bytes the plan downloads, less those of failed recordings.
    var bytesTotal = 0
    /// Bytes received so far by archived and running transfers.
    public var bytesDone = 0
    /// Transfers running now.
    var activeTransfers = 0
    /// Whether the plan is known (`runPlanned` was called).
    public var isPlanned = false

    /// Creates a snapshot.
    init(
        filesTotal: Int = 0, filesDone: Int = 0, filesFailed: Int = 0, bytesTotal: Int = 0, bytesDone: Int = 0,
        activeTransfers: Int = 0, isPlanned: Bool = false
    ) {
        self.filesTotal = filesTotal
        self.filesDone = filesDone
        self.filesFailed = filesFailed
        self.bytesTotal = bytesTotal
        self.bytesDone = bytesDone
        self.activeTransfers = activeTransfers
        self.isPlanned = isPlanned
    }
}

/// A `RunProgressObserver` that keeps the run's counters, for a display to sample with `snapshot()`.
///
/// Every call takes one short lock; `transferReceived` (once per received chunk, on the transfer engine's
/// thread) only adds to two integers.
public final class TransferProgress: RunProgressObserver {
    private struct State {
        var snapshot = ProgressSnapshot()
        /// Running transfers: expected and received bytes, so that a restarted transfer starts from zero.
        var active: [Int: (expected: Int, received: Int)] = [:]
    }

    private let state = Mutex(State())

    /// Creates the counters, all zero.
    public init() {}

    /// The counters now.
    public func snapshot() -> ProgressSnapshot {
        state.withLock { $0.snapshot }
    }

    public func runPlanned(recordings: Int, bytes: Int) {
        state.withLock { state in
            state.snapshot.filesTotal = recordings
            state.snapshot.bytesTotal = bytes
            state.snapshot.isPlanned = true
        }
    }

    public func transferStarted(sessionID: Int, expectedBytes: Int) {
        state.withLock { state in
            if let previous = state.active[sessionID] {
                // A retry: the bytes of the abandoned attempt no longer count.
                state.snapshot.bytesDone -= previous.received
            }
            state.active[sessionID] = (expectedBytes, 0)
            state.snapshot.activeTransfers = state.active.count
        }
    }

    public func transferReceived(sessionID: Int, bytes: Int) {
        state.withLock { state in
            state.active[sessionID]?.received += bytes
            state.snapshot.bytesDone += bytes
        }
    }

    public func transferFinished(sessionID: Int, outcome: Result<Int, RecordingFailure>) {
        state.withLock { state in
            let transfer = state.active.removeValue(forKey: sessionID)
            state.snapshot.activeTransfers = state.active.count
            switch outcome {
            case .success(let size):
                state.snapshot.filesDone += 1
                // Count the recording's exact size, whatever the chunks added up to.
                state.snapshot.bytesDone += size - (transfer?.received ?? 0)
            case .failure:
                state.snapshot.filesFailed += 1
                state.snapshot.bytesDone -= transfer?.received ?? 0
                state.snapshot.bytesTotal -= transfer?.expected ?? 0
            }
        }
    }
}
