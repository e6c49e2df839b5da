import Glibc

/// Reading small files whole (key files, zone files, the configuration file) through a descriptor the caller opened
/// and checked.
enum FileBytes {
    /// Up to `limit` bytes from `descriptor`, again after interruptions; nil when reading fails.
    ///
    /// The buffer starts at 4 KiB and doubles as it fills, so a small file costs a small allocation whatever the
    /// limit (a zeroed buffer of the whole limit on every read made the configuration fuzzer five times slower).
    static func read(from descriptor: Int32, upTo limit: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: min(limit, 4096))
        var count = 0
        while count < limit {
            if count == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, limit - bytes.count)))
            }
            let result = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + count, buffer.count - count)
            }
            if result == 0 { break }
            if result < 0 {
                if errno == EINTR { continue }
                return nil
            }
            count += result
        }
        bytes.removeSubrange(count...)
        return bytes
    }
}
