import Crypto
import FoundationEssentials
import Glibc

/// SHA-256 digests of file ranges, computed before an upload because the request's headers carry them.
enum FileRangeDigest {
    /// How much is read at a time: large enough for few system calls, small enough for flat memory.
    private static let chunkBytes = 1 << 20

    /// The SHA-256 of `length` bytes of `descriptor` from byte `offset` on, read with pread(2).
    /// - Throws: the `errno` of a failed read, or `EINVAL` when the file ends before the range does.
    static func sha256(descriptor: Int32, offset: Int, length: Int) throws(FileAccessFailure) -> SHA256.Digest {
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        var done = 0
        while done < length {
            let read = pread(descriptor, buffer.baseAddress!, min(chunkBytes, length - done), off_t(offset + done))
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { throw FileAccessFailure(errno: read < 0 ? errno : EINVAL) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<read]))
            done += read
        }
        return hasher.finalize()
    }
}

/// A local file operation that failed with this `errno`.
struct FileAccessFailure: Error {
    var errno: Int32
}

extension SHA256.Digest {
    /// Lower-case hex, as `x-amz-content-sha256` carries it.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }

    /// Base64, as `x-amz-checksum-sha256` carries it.
    var base64String: String {
        Data(self).base64EncodedString()
    }
}
