import Foundation
import Glibc
import Synchronization

/// A TCP relay on loopback in front of an HTTP server on another loopback port (an S3 store), with one ``Fault``.
/// Each connection is relayed on a thread of its own until either side closes it or the relay stops.
public final class LoopbackRelay: Sendable {
    /// What goes wrong between the client and the server.
    public enum Fault: Sendable {
        /// The first `count` connections are answered `503 SlowDown` after their request head, as AWS does when
        /// a prefix gets too many requests, and closed; later connections are relayed untouched.
        case slowDown(count: Int)
        /// On each connection, one bit of the byte `bodyOffset` bytes into the first response's body is flipped:
        /// bytes damaged on the way, as by a faulty network card, middlebox or memory.
        case flipBit(bodyOffset: Int)
        /// What each connection sends to the server is paced to about `bytesPerSecond`: a slow uplink, so that
        /// an upload lasts long enough to be interrupted.
        case throttle(bytesPerSecond: Int)
    }

    /// The port the relay listens on.
    public let port: Int
    /// The relay's base URL, `http://127.0.0.1:PORT`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let upstreamPort: Int
    private let fault: Fault
    private let refused = Atomic(0)
    private let isStopping = Atomic(false)
    private let threads = DispatchGroup()

    /// How many connections the relay answered with `503 SlowDown` so far.
    public var refusedCount: Int { refused.load(ordering: .relaxed) }

    /// Listens on a free loopback port and starts relaying to `upstream` (`http://127.0.0.1:PORT`).
    public init(upstream: String, fault: Fault) throws(LoopbackSocketError) {
        guard let upstreamPort = URL(string: upstream)?.port else {
            throw LoopbackSocketError(reason: "no port in \(upstream)")
        }
        (listener, port) = try LoopbackSocket.bound(listening: 64)
        self.upstreamPort = upstreamPort
        self.fault = fault
        threads.enter()
        Thread.detachNewThread { [self] in
            run()
            threads.leave()
        }
    }

    /// Stops relaying, closes every socket and waits until the relay's threads have ended.
    public func stop() {
        isStopping.store(true, ordering: .relaxed)
        threads.wait()
    }

    private func run() {
        var accepted = 0
        while waitForInput(on: [listener]) != nil {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let number = accepted
            accepted += 1
            threads.enter()
            Thread.detachNewThread { [self] in
                switch fault {
                case .slowDown(let count) where number < count: refuse(client)
                case .slowDown: relay(client)
                case .flipBit(let bodyOffset): relay(client, damagingBodyByteAt: bodyOffset)
                case .throttle(let bytesPerSecond): relay(client, pacingRequestsTo: bytesPerSecond)
                }
                close(client)
                threads.leave()
            }
        }
        close(listener)
    }

    /// Reads the request's head (a refused request must have no body, as listings do) and answers `503 SlowDown`.
    private func refuse(_ client: Int32) {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while head.indexAfterHeaders == nil {
            guard waitForInput(on: [client]) != nil else { return }
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
        refused.add(1, ordering: .relaxed)
        _ = LoopbackSocket.writeAll(Array(response.utf8)[...], to: client)
    }

    /// Copies bytes both ways between `client` and a new upstream connection until a side closes or the relay
    /// stops, flipping one bit `bodyOffset` bytes after the first response's head when that is given, and pacing
    /// what goes upstream to `bytesPerSecond` when that is.
    private func relay(
        _ client: Int32, damagingBodyByteAt bodyOffset: Int? = nil, pacingRequestsTo bytesPerSecond: Int? = nil
    ) {
        guard let upstream = LoopbackSocket.connect(toPort: upstreamPort) else { return }
        defer { close(upstream) }
        var head: [UInt8] = []
        var damageAt: Int?
        var responseBytes = 0
        var requestBytes = 0
        let started = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while let ready = waitForInput(on: [client, upstream]) {
            if ready[0] {
                let count = read(client, &buffer, min(buffer.count, bytesPerSecond.map { max($0 / 20, 1) } ?? .max))
                guard count > 0, LoopbackSocket.writeAll(buffer[..<count], to: upstream) else { return }
                requestBytes += count
                if let bytesPerSecond {
                    let ahead = started + .milliseconds(requestBytes * 1000 / bytesPerSecond) - .now
                    if ahead > .zero { usleep(UInt32(ahead / .microseconds(1))) }
                }
            }
            if ready[1] {
                let count = read(upstream, &buffer, buffer.count)
                guard count > 0 else { return }
                if let bodyOffset, damageAt == nil {
                    head += buffer[..<count]
                    damageAt = head.indexAfterHeaders.map { $0 + bodyOffset }
                }
                if let target = damageAt, (responseBytes..<responseBytes + count).contains(target) {
                    buffer[target - responseBytes] ^= 0x01
                }
                responseBytes += count
                guard LoopbackSocket.writeAll(buffer[..<count], to: client) else { return }
            }
        }
    }

    /// Waits until any of `descriptors` is readable or hung up.
    /// - Returns: which ones are, or nil once the relay is stopping.
    private func waitForInput(on descriptors: [Int32]) -> [Bool]? {
        var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while !isStopping.load(ordering: .relaxed) {
            if poll(&polled, nfds_t(polled.count), 100) > 0 { return polled.map { $0.revents != 0 } }
        }
        return nil
    }
}

extension [UInt8] {
    /// The index just after the first `\r\n\r\n`, where an HTTP message's body starts.
    fileprivate var indexAfterHeaders: Int? {
        guard count >= 4 else { return nil }
        return (0...(count - 4)).first { self[$0..<$0 + 4] == [13, 10, 13, 10] }.map { $0 + 4 }
    }
}
