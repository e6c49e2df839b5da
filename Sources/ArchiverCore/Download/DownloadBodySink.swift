import Crypto
import Curl

/// Hashes a recording while it streams to disk and reports the bytes to the run's progress observer.
///
/// Confinement: `transferDidWrite` runs on the transfer engine's thread during the transfer; `digest()` is
/// called only after the transfer finished. The two never overlap, hence `@unchecked Sendable`.
final class DownloadBodySink: TransferBodyObserver, @unchecked Sendable {
    private var hasher = SHA256()
    private let sessionID: Int
    private let progress: any RunProgressObserver

    /// Marks each write to the partial file as a storage call in flight, for the watchdog.
    private let storageSlot: StorageWatchdog.Slot?

    init(sessionID: Int, progress: any RunProgressObserver, storageSlot: StorageWatchdog.Slot? = nil) {
        self.sessionID = sessionID
        self.progress = progress
        self.storageSlot = storageSlot
    }

    func transferWillWrite() {
        storageSlot?.begin()
    }

    /// The transfer returned: a write that failed (and so never reported `transferDidWrite`) is over too.
    func transferEnded() {
        storageSlot?.end()
    }

    func transferDidWrite(_ bytes: UnsafeRawBufferPointer) {
        storageSlot?.end()
        hasher.update(bufferPointer: bytes)
        progress.transferReceived(sessionID: sessionID, bytes: bytes.count)
    }

    func transferDidRestartFromZero() {
        hasher = SHA256()
    }

    /// Hashes bytes that were already in the file before the transfer (a resumed partial download).
    func include(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// The SHA-256 of every byte written, as lowercase hex.
    func hexDigest() -> String {
        FileDigest.hex(hasher.finalize())
    }
}
