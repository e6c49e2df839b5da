import Glibc

/// Blocking TCP sockets on 127.0.0.1, for fixtures that stand in for a server or sit in front of one.
public enum LoopbackSocket {
    /// A socket bound to a free loopback port, listening with `backlog` when one is given (else bound only,
    /// so connections to the port are refused). The caller closes `descriptor`.
    public static func bound(listening backlog: Int32?) throws(LoopbackSocketError) -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && (backlog.map { listen(descriptor, $0) == 0 } ?? true)
                    && getsockname(descriptor, address, &length) == 0
            }
        }
        guard descriptor >= 0, ready else {
            close(descriptor)
            throw LoopbackSocketError(reason: "cannot bind a loopback port")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A socket connected to `port` on 127.0.0.1, or nil when the connection fails. The caller closes it.
    public static func connect(toPort port: Int) -> Int32? {
        guard let port = UInt16(exactly: port) else { return nil }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard descriptor >= 0, connected else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    /// Writes all of `bytes` to `descriptor`.
    /// - Returns: false when a write fails.
    public static func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            guard let start = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, start + offset, buffer.count - offset)
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }
}

/// A loopback socket could not be set up.
public struct LoopbackSocketError: Error {
    /// What failed.
    public var reason: String
}
