import ArchiverCore
import Dispatch
import Synchronization

/// The live progress line of a run on a terminal: a `RunProgressObserver` whose counters a timer samples five
/// times a second to redraw one line in place (files, bytes, rate, ETA, active transfers).
///
/// The observer calls only update counters (`TransferProgress`); drawing happens on the timer's queue, never
/// per received chunk. `stop()` removes the line so that the summary starts on a clean line.
final class TerminalProgressDisplay: RunProgressObserver {
    private let progress = TransferProgress()
    private let console: Console
    private let queue = DispatchQueue(label: "getscreen-archiver.progress")
    /// The redraw timer, cancelled and dropped by `stop()`; the lock makes the Dispatch object `Sendable`.
    private let timer: Mutex<(any DispatchSourceTimer)?>
    /// Sampled on `queue` only; the lock just makes that visible to the compiler.
    private let meter = Mutex(RateMeter())
    private let start = ContinuousClock.now

    /// Starts redrawing on `console` every `intervalMilliseconds` (at most five times a second by default).
    init(console: Console, intervalMilliseconds: Int = 200) {
        self.console = console
        timer = Mutex(nil)
        timer.withLock { timer in
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.schedule(
                deadline: .now() + .milliseconds(intervalMilliseconds), repeating: .milliseconds(intervalMilliseconds))
            source.setEventHandler { [weak self] in self?.redraw() }
            source.resume()
            timer = source
        }
    }

    /// Stops the timer and clears the line; waits for a redraw in progress to end. Calling it again does nothing.
    func stop() {
        timer.withLock { timer in
            timer?.cancel()
            timer = nil
        }
        queue.sync {}
        console.clearStatus()
    }

    private func redraw() {
        let snapshot = progress.snapshot()
        guard snapshot.isPlanned, snapshot.filesTotal > 0 else { return }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = meter.withLock { meter in
            meter.record(bytes: snapshot.bytesDone, at: seconds)
            return meter.bytesPerSecond
        }
        console.showStatus(ProgressLine.render(snapshot, rate: rate, width: console.width - 1))
    }

    func runPlanned(recordings: Int, bytes: Int) {
        progress.runPlanned(recordings: recordings, bytes: bytes)
    }

    func transferStarted(sessionID: Int, expectedBytes: Int) {
        progress.transferStarted(sessionID: sessionID, expectedBytes: expectedBytes)
    }

    func transferReceived(sessionID: Int, bytes: Int) {
        progress.transferReceived(sessionID: sessionID, bytes: bytes)
    }

    func transferFinished(sessionID: Int, outcome: Result<Int, RecordingFailure>) {
        progress.transferFinished(sessionID: sessionID, outcome: outcome)
    }
}
