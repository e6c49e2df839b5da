import Crypto
import Curl

/// Hashes a download's bytes with SHA-256 as libcurl writes them to the file.
///
/// Confinement: `hasher` is touched by the transfer's driver thread while the transfer runs, one call at a
/// time, and read only after `CurlMulti.perform` has returned; hence `@unchecked Sendable`.
final class BodyDigest: TransferBodyObserver, @unchecked Sendable {
    private var hasher = SHA256()

    func transferDidWrite(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    func transferDidRestartFromZero() {
        hasher = SHA256()
    }

    /// The digest of every byte written; call once, after the transfer.
    func finalize() -> SHA256.Digest {
        hasher.finalize()
    }
}
