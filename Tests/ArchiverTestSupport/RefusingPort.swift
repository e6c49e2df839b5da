import Glibc

/// A loopback port that refuses connections: a socket bound to it but not listening. While it is held, no
/// other test's server can take the port, so "connection refused" is certain.
public final class RefusingPort: Sendable {
    /// The port number.
    public let port: Int
    private let descriptor: Int32

    /// Binds a free port on 127.0.0.1 without listening.
    public init() throws(LoopbackSocketError) {
        (descriptor, port) = try LoopbackSocket.bound(listening: nil)
    }

    /// Frees the port, for a server to start on it.
    public func release() {
        close(descriptor)
    }
}
