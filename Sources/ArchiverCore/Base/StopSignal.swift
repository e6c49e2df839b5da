import Glibc
import Synchronization

/// The signal that stopped the run, recorded by the executable before it cancels the run, so that
/// `ArchiverError.interrupted` says which one and exits with its code (128 + its number).
public enum StopSignal {
    /// 0 until a signal is recorded.
    private static let recorded = Atomic<Int32>(0)

    /// Records `signalNumber` (SIGINT or SIGTERM) as the one that stopped the run; the first one recorded stays.
    public static func record(_ signalNumber: Int32) {
        _ = recorded.compareExchange(expected: 0, desired: signalNumber, ordering: .relaxed)
    }

    /// The signal that stopped the run; SIGINT when none was recorded (a run cancelled otherwise, as in tests).
    static var number: Int32 {
        let signalNumber = recorded.load(ordering: .relaxed)
        return signalNumber == 0 ? SIGINT : signalNumber
    }

    /// `SIGINT` or `SIGTERM`, as `number` reads.
    static var name: String { number == SIGTERM ? "SIGTERM" : "SIGINT" }
}
