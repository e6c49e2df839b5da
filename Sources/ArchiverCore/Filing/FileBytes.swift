import Glibc

/// Reading small files whole (key files, zone files) through a descriptor the caller opened and checked.
enum FileBytes {
    /// Up to `limit` bytes from `descriptor`, again after interruptions; nil when reading fails.
    static func read(from descriptor: Int32, upTo limit: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: limit)
        var count = 0
        while count < limit {
            let result = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + count, limit - count) }
            if result == 0 { break }
            if result < 0 {
                if errno == EINTR { continue }
                return nil
            }
            count += result
        }
        return Array(bytes[..<count])
    }
}
