import Foundation
import NIOCore
import NIOHTTP1

/// Serves one connection: decodes each request into a `RecordedRequest`, asks the router, and writes the answer.
///
/// Runs behind `HTTPServerPipelineHandler`, which holds back pipelined requests until the current response's
/// `.end` is written, so at most one response is in progress per connection. All state is confined to the
/// channel's event loop; deferred work (pacing timers, write completions) uses the `assumeIsolated()` APIs.
final class SimulatorHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Body chunk size when unpaced: small enough to keep memory bounded, large enough for GiB/s on loopback.
    private static let chunkSize = 64 * 1024

    /// A recording being streamed.
    private struct MediaStream {
        var sessionID: Int
        var offset: Int
        /// Where the body ends: the range's end, or earlier where an injected fault cuts it.
        var size: Int
        var cut: SimulatedFault?
        var bytesPerSecond: Int?
        var isKeepAlive: Bool
        /// The pending paced write, if any; cancelled when the connection closes.
        var pacingTimer: Scheduled<Void>?
    }

    private let router: SimulatorRouter
    private var requestHead: HTTPRequestHead?
    private var stream: MediaStream?
    /// Guards `pump` against re-entry: a flush inside it can fire `channelWritabilityChanged` synchronously.
    private var isPumping = false

    init(router: SimulatorRouter) {
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestHead = head
        case .body:
            break
        case .end:
            guard let head = requestHead else { return }
            requestHead = nil
            respond(to: head, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            pump(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        abandonStream()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        abandonStream()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        switch router.route(Self.record(head)) {
        case .json(let status, let body, let extraHeaders):
            var headers = Self.baseHeaders(for: head)
            if !extraHeaders.contains(where: { $0.0.lowercased() == "content-type" }) {
                headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            }
            headers.add(name: "Content-Length", value: String(body.count))
            for (name, value) in extraHeaders { headers.add(name: name, value: value) }
            let responseHead = HTTPResponseHead(
                version: head.version,
                status: HTTPResponseStatus(statusCode: status),
                headers: headers
            )
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            let buffer = context.channel.allocator.buffer(bytes: body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            writeEnd(context: context, isKeepAlive: head.isKeepAlive)

        case .drop:
            context.close(promise: nil)

        case .media(let answer):
            var headers = Self.baseHeaders(for: head)
            headers.add(name: "Content-Type", value: "video/mp4")
            headers.add(name: "Content-Length", value: String(answer.range.count))
            if answer.isPartial {
                headers.add(
                    name: "Content-Range",
                    value: "bytes \(answer.range.lowerBound)-\(answer.range.upperBound - 1)/\(answer.size)"
                )
            }
            let status: HTTPResponseStatus = answer.isPartial ? .partialContent : .ok
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                promise: nil)
            router.state.mediaResponseStarted()
            var end = answer.range.upperBound
            switch answer.cut {
            case .resetMidBody(let count), .truncateBody(let count), .stallMidBody(let count):
                end = min(end, answer.range.lowerBound + count)
            default:
                break
            }
            stream = MediaStream(
                sessionID: answer.sessionID,
                offset: answer.range.lowerBound,
                size: end,
                cut: answer.cut,
                bytesPerSecond: answer.bytesPerSecond,
                isKeepAlive: head.isKeepAlive
            )
            pump(context: context)
        }
    }

    /// Writes body chunks while the channel is writable (unpaced) or one chunk per timer tick (paced);
    /// resumes from `channelWritabilityChanged` or the timer, and ends the response after the last byte.
    private func pump(context: ChannelHandlerContext) {
        guard !isPumping else { return }
        isPumping = true

        while let current = stream, current.pacingTimer == nil, current.offset < current.size,
            context.channel.isWritable
        {
            let chunkLimit = current.bytesPerSecond.map(Self.pacedChunkSize) ?? Self.chunkSize
            let count = min(current.size - current.offset, chunkLimit)
            var buffer = context.channel.allocator.buffer(capacity: count)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { destination in
                MediaBytes.fill(
                    UnsafeMutableRawBufferPointer(rebasing: destination[..<count]),
                    sessionID: current.sessionID,
                    offset: current.offset
                )
                return count
            }
            stream?.offset += count
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)

            if let bytesPerSecond = current.bytesPerSecond, current.offset + count < current.size {
                let delay = TimeAmount.nanoseconds(Int64(count) * 1_000_000_000 / Int64(bytesPerSecond))
                stream?.pacingTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                    self.stream?.pacingTimer = nil
                    self.pump(context: context)
                }
            }
        }
        // Cleared before `.end` is written: the pipelining handler may deliver the next request from inside
        // that write, and a media answer to it must be able to pump.
        isPumping = false

        if let current = stream, current.offset >= current.size {
            switch current.cut {
            case .stallMidBody:
                // Nothing more is sent; the stream ends when the client gives up and closes.
                return
            case .resetMidBody:
                stream = nil
                router.state.mediaResponseEnded()
                // SO_LINGER 0 makes close() send RST instead of FIN: a connection reset mid-body.
                let channel = context.channel
                guard let provider = channel as? any SocketOptionProvider else {
                    channel.close(promise: nil)
                    return
                }
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
                return
            case .truncateBody:
                stream = nil
                router.state.mediaResponseEnded()
                // Close once the bytes already written are out, so the client sees a clean FIN after them.
                let promise = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer()))), promise: promise)
                promise.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                return
            default:
                break
            }
            // Counted as ended once the last byte is handed to the channel: the client cannot have finished
            // reading before this point, so the peak never exceeds the client's real concurrency.
            stream = nil
            router.state.mediaResponseEnded()
            writeEnd(context: context, isKeepAlive: current.isKeepAlive)
        }
    }

    private func writeEnd(context: ChannelHandlerContext, isKeepAlive: Bool) {
        guard !isKeepAlive else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
        promise.futureResult.assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Drops a stream cut short by the connection closing, so the in-flight count stays right.
    private func abandonStream() {
        guard let current = stream else { return }
        stream = nil
        current.pacingTimer?.cancel()
        router.state.mediaResponseEnded()
    }

    /// About 20 chunks per second, so paced transfers progress smoothly and overlap in time.
    private static func pacedChunkSize(bytesPerSecond: Int) -> Int {
        min(chunkSize, max(1, bytesPerSecond / 20))
    }

    private static func baseHeaders(for head: HTTPRequestHead) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Server", value: "GetscreenSimulator")
        if !head.isKeepAlive {
            headers.add(name: "Connection", value: "close")
        } else if head.version.major == 1 && head.version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        return headers
    }

    private static func record(_ head: HTTPRequestHead) -> RecordedRequest {
        let path: Substring
        let rawQuery: Substring
        if let questionMark = head.uri.firstIndex(of: "?") {
            path = head.uri[..<questionMark]
            rawQuery = head.uri[head.uri.index(after: questionMark)...]
        } else {
            path = head.uri[...]
            rawQuery = ""
        }
        var headers: [String: String] = [:]
        for (name, value) in head.headers {
            let key = name.lowercased()
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }
        return RecordedRequest(
            method: head.method.rawValue,
            path: String(path),
            query: Self.decodeQuery(rawQuery),
            rawQuery: String(rawQuery),
            headers: headers
        )
    }

    /// Splits `application/x-www-form-urlencoded` pairs; a value that is not valid percent-encoding is kept raw.
    private static func decodeQuery(_ rawQuery: Substring) -> [String: String] {
        var query: [String: String] = [:]
        for pair in rawQuery.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            query[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return query
    }

    private static func decode(_ component: Substring) -> String {
        let spaced = String(component.map { $0 == "+" ? " " : $0 })
        return spaced.removingPercentEncoding ?? spaced
    }
}

@available(*, unavailable)
extension SimulatorHTTPHandler: Sendable {}
