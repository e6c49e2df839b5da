import Glibc

/// Writing a buffer whole to a file descriptor, through short writes and `EINTR`.
enum FileDescriptorWriting {
    /// Writes all of `bytes`; returns the `errno` of a failed write.
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }
}
