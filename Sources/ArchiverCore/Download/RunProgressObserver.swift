/// Receives a run's progress as it happens, for a live display or metrics.
///
/// Calls come from several threads (`transferReceived` from the transfer engine's thread, once per received
/// chunk), so implementations must be thread-safe and cheap.
public protocol RunProgressObserver: Sendable {
    /// The plan is known: this many recordings, adding up to this many bytes, are to be downloaded.
    func runPlanned(recordings: Int, bytes: Int)
    /// A download started (or restarted after a retry) with `expectedBytes` to receive.
    func transferStarted(sessionID: Int, expectedBytes: Int)
    /// `bytes` more bytes of the recording were written.
    func transferReceived(sessionID: Int, bytes: Int)
    /// A recording ended: archived with its size, or failed with a reason.
    func transferFinished(sessionID: Int, outcome: Result<Int, RecordingFailure>)
}

/// An observer that ignores everything (the default).
public struct NoProgressObserver: RunProgressObserver {
    /// Creates the observer.
    public init() {}
    public func runPlanned(recordings: Int, bytes: Int) {}
    public func transferStarted(sessionID: Int, expectedBytes: Int) {}
    public func transferReceived(sessionID: Int, bytes: Int) {}
    public func transferFinished(sessionID: Int, outcome: Result<Int, RecordingFailure>) {}
}
