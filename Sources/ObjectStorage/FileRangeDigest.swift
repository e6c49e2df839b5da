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

extension Sequence<UInt8> {
    /// Lower-case hex, as `x-amz-content-sha256` carries a SHA-256.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }

    /// Base64, as `x-amz-checksum-sha256` carries a SHA-256.
    var base64String: String {
        Data(self).base64EncodedString()
    }
}

extension [UInt8] {
    /// The bytes of `hex` (digits in either case), or nil when it is not an even number of hex digits.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        self = []
        reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            append(high << 4 | low)
        }
    }
}

/// The value of one hex digit.
private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}
