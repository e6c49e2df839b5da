import Synchronization

/// What the process writes when it must end at once, without unwinding its run: a call into a hung share never
/// returns (`StorageWatchdog`), another run took the lock over (`RunLock`), or the run did not stop after a
/// signal. The executable registers how to write the run's report and metrics, so that even then they say why
/// the run ended; what it registers must not touch the archive's storage, which may be what hangs.
public enum FinalWords {
    private static let writer = Mutex<(@Sendable (ArchiverError) -> Void)?>(nil)

    /// Registers `write`, replacing any earlier one.
    public static func register(_ write: @escaping @Sendable (ArchiverError) -> Void) {
        writer.withLock { $0 = write }
    }

    /// Calls the registered writer with `error`, once: later calls, from any thread, do nothing.
    public static func write(_ error: ArchiverError) {
        let write = writer.withLock { writer in
            defer { writer = nil }
            return writer
        }
        write?(error)
    }
}
