import Foundation
import Glibc
import Synchronization

/// A TCP relay on loopback in front of an S3 store that answers the first `refusals` requests itself, with
/// `503 SlowDown` as AWS does when a prefix gets too many requests, and relays every later connection untouched
/// (each on a thread of its own).
public final class SlowDownRelay: Sendable {
    /// The relay's base URL, `http://127.0.0.1:PORT`.
    public let endpoint: String
    private let listener: Int32
    private let upstreamPort: UInt16
    private let refusals: Int
    private let refused = Atomic(0)
    private let isStopping = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)

    /// How many requests the relay refused so far.
    public var refusedCount: Int { refused.load(ordering: .relaxed) }

    /// Listens on a free loopback port, relaying to `upstream` (`http://127.0.0.1:PORT`) after `refusals` refusals.
    public init(upstream: String, refusals: Int) throws {
        guard let port = URL(string: upstream)?.port, let upstreamPort = UInt16(exactly: port) else {
            throw SlowDownRelayError(reason: "no port in \(upstream)")
        }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && listen(descriptor, 64) == 0
                    && getsockname(descriptor, address, &length) == 0
            }
        }
        guard descriptor >= 0, listening else {
            close(descriptor)
            throw SlowDownRelayError(reason: "cannot listen on loopback")
        }
        listener = descriptor
        endpoint = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        self.upstreamPort = upstreamPort
        self.refusals = refusals
        Thread.detachNewThread { [self] in run() }
    }

    /// Stops accepting and closes the listening socket; relayed connections end with their peers.
    public func stop() {
        isStopping.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func run() {
        while !isStopping.load(ordering: .relaxed) {
            var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            guard poll(&descriptors, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            if refused.load(ordering: .relaxed) < refusals {
                refuse(client)
                refused.add(1, ordering: .relaxed)
                close(client)
            } else {
                Thread.detachNewThread { [self] in
                    let upstream = connectUpstream()
                    if upstream >= 0 { relay(client, upstream) }
                    close(upstream)
                    close(client)
                }
            }
        }
        close(listener)
        finished.signal()
    }

    /// Reads the request's head (a request the relay refuses has no body: the first ones are listings) and
    /// answers `503 SlowDown`, closing the connection.
    private func refuse(_ client: Int32) {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !head.containsHeaderEnd {
            var descriptors = [pollfd(fd: client, events: Int16(POLLIN), revents: 0)]
            guard poll(&descriptors, 1, 2000) > 0 else { return }
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { return }
            head += buffer[..<count]
        }
        let body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            + "<Message>Please reduce your request rate.</Message><RequestId>relay</RequestId></Error>"
        let response =
            "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n\(body)"
        _ = writeAll(Array(response.utf8)[...], to: client)
    }

    private func connectUpstream() -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = upstreamPort.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        return connected ? descriptor : -1
    }

    /// Copies bytes both ways until a side closes.
    private func relay(_ client: Int32, _ upstream: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var descriptors = [
                pollfd(fd: client, events: Int16(POLLIN), revents: 0),
                pollfd(fd: upstream, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&descriptors, 2, 1000) >= 0 else { return }
            for (index, (from, to)) in [(client, upstream), (upstream, client)].enumerated()
            where descriptors[index].revents != 0 {
                let count = read(from, &buffer, buffer.count)
                guard count > 0, writeAll(buffer[..<count], to: to) else { return }
            }
        }
    }

    private func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }
}

/// The relay could not start.
struct SlowDownRelayError: Error {
    var reason: String
}

extension [UInt8] {
    /// Whether an HTTP message's head is complete (`\r\n\r\n` seen).
    fileprivate var containsHeaderEnd: Bool {
        count >= 4 && (0...(count - 4)).contains { self[$0..<$0 + 4] == [13, 10, 13, 10] }
    }
}
