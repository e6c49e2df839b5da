import Glibc

/// Reading small files whole: the configuration and key files, zone files, sidecars, the lock's holder file.
enum FileBytes {
    /// Why a file was not read.
    enum Failure: Error, Equatable {
        /// Nothing is at the path.
        case missing
        /// It is a folder.
        case folder
        /// It is a device, FIFO or socket: reading one could block or never end.
        case notRegularFile
        /// Opening or reading it failed (permissions, I/O error).
        case unreadable
        /// It holds more than the limit.
        case tooLarge

        /// The reason, for messages that name the file: `"it is a directory"`.
        var reason: String {
            switch self {
            case .missing: "no such file"
            case .folder: "it is a directory"
            case .notRegularFile: "it is not a regular file"
            case .unreadable: "permission denied or not readable"
            case .tooLarge: "it is too large"
            }
        }
    }

    /// The whole regular file at `path` (links followed), at most `limit` bytes, with its permission bits.
    /// - Throws: `Failure` saying why not; nothing blocks on a FIFO or reads a device.
    static func contents(atPath path: String, limit: Int) throws(Failure) -> (bytes: [UInt8], mode: mode_t) {
        // O_NONBLOCK so that opening a FIFO does not wait for a writer; fstat then turns it away.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .unreadable }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .folder
        default: throw .notRegularFile
        }
        guard let bytes = read(from: descriptor, upTo: limit + 1) else { throw .unreadable }
        guard bytes.count <= limit else { throw .tooLarge }
        return (bytes, info.st_mode)
    }

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
