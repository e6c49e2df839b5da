import Foundation
import Glibc
import Synchronization

/// A TCP relay on loopback in front of another loopback port that flips one bit of the first response body
/// on each connection: bytes damaged on the way, as by a faulty network card, middlebox or memory.
///
/// It carries one connection at a time, each until either side closes it.
final class CorruptingRelay: Sendable {
    /// The port the relay listens on.
    let port: Int
    private let listener: Int32
    private let upstreamPort: UInt16
    private let bodyOffset: Int
    private let isStopping = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Listens on a free loopback port and starts relaying to `upstreamPort`, damaging the body byte at
    /// `bodyOffset` of each connection's first response.
    init(upstreamPort: Int, bodyOffset: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, address, &length) == 0
            }
        }
        guard descriptor >= 0, listening, let upstream = UInt16(exactly: upstreamPort) else {
            close(descriptor)
            throw CorruptingRelayError(reason: "cannot listen on loopback")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        self.upstreamPort = upstream
        self.bodyOffset = bodyOffset
        Thread.detachNewThread { [self] in run() }
    }

    /// Stops relaying, closes every socket and waits until the relay's thread has ended.
    func stop() {
        isStopping.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func run() {
        while !isStopping.load(ordering: .relaxed) {
            guard let client = acceptConnection() else { continue }
            let upstream = connectUpstream()
            if upstream >= 0 { relay(client, upstream) }
            close(upstream)
            close(client)
        }
        close(listener)
        finished.signal()
    }

    /// A connection accepted within 100 ms, or nil.
    private func acceptConnection() -> Int32? {
        var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
        guard poll(&descriptors, 1, 100) > 0 else { return nil }
        let client = accept(listener, nil, nil)
        return client >= 0 ? client : nil
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

    /// Copies bytes both ways until a side closes or the relay stops, flipping one bit of the response stream.
    private func relay(_ client: Int32, _ upstream: Int32) {
        var head: [UInt8] = []
        var damageAt: Int?
        var responseBytes = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !isStopping.load(ordering: .relaxed) {
            var descriptors = [
                pollfd(fd: client, events: Int16(POLLIN), revents: 0),
                pollfd(fd: upstream, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&descriptors, 2, 100) > 0 else { continue }
            if descriptors[0].revents != 0 {
                let count = read(client, &buffer, buffer.count)
                guard count > 0, writeAll(buffer[..<count], to: upstream) else { return }
            }
            if descriptors[1].revents != 0 {
                let count = read(upstream, &buffer, buffer.count)
                guard count > 0 else { return }
                if damageAt == nil {
                    head += buffer[..<count]
                    if let end = head.indexAfterHeaders { damageAt = end + bodyOffset }
                }
                if let target = damageAt, (responseBytes..<responseBytes + count).contains(target) {
                    buffer[target - responseBytes] ^= 0x01
                }
                responseBytes += count
                guard writeAll(buffer[..<count], to: client) else { return }
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
struct CorruptingRelayError: Error {
    var reason: String
}

extension [UInt8] {
    /// The index just after the first `\r\n\r\n`, where an HTTP response's body starts.
    fileprivate var indexAfterHeaders: Int? {
        guard count >= 4 else { return nil }
        return (0...(count - 4)).first { self[$0..<$0 + 4] == [13, 10, 13, 10] }.map { $0 + 4 }
    }
}
