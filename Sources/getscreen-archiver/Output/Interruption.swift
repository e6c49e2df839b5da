import ArchiverCore
import Dispatch
import Glibc
import Synchronization

/// What SIGINT and SIGTERM do to a run.
///
/// The first cancels the run: in-flight transfers abort (their partial files kept for the next run), and the
/// process exits 130 (SIGINT) or 143 (SIGTERM) with what was archived so far.
/// A call into a hung share cannot be cancelled, though, and blocks its thread as long as the share hangs; so if
/// the process has not ended `gracePeriod` after the signal, it says why and ends at once with the same exit
/// code. A second signal ends it at once.
enum Interruption {
    /// How long a cancelled run may take to end before the process ends without it.
    static let gracePeriod = 5

    private static let signalsReceived = Atomic<Int>(0)

    /// Handles `signalNumber`, cancelling `run` the first time.
    static func received<Success>(_ signalNumber: Int32, cancelling run: Task<Success, any Error>) {
        let name = signalNumber == SIGINT ? "SIGINT" : "SIGTERM"
        let (earlier, _) = signalsReceived.add(1, ordering: .relaxed)
        guard earlier == 0 else { end(because: "a second \(name) arrived") }
        StopSignal.record(signalNumber)
        run.cancel()
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(gracePeriod)) {
            end(because: "the run did not stop within \(gracePeriod) s after \(name)")
        }
    }

    /// Writes why and ends the process without waiting for the run (`exit` could wait for a hung thread).
    private static func end(because reason: String) -> Never {
        var message = "error: \(reason); "
        if let call = StorageWatchdog.shared.longestCall() {
            message +=
                "a call into the archive's storage has not returned for \(call.duration.components.seconds) s "
                + "(\(call.operation)); the share or its server hangs; "
        }
        Terminal.printError(message + "exiting without waiting for it; run again to archive the rest")
        FinalWords.write(.interrupted(archived: 0))
        _exit(ArchiverError.interrupted(archived: 0).exitCode)
    }
}
