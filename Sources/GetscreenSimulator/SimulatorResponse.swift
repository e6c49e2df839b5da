import Foundation

/// What the router decided to answer; `SimulatorHTTPHandler` turns it into bytes on the wire.
enum SimulatorResponse {
    /// A complete JSON body with its status code and extra headers (a `Content-Type` among them replaces
    /// `application/json`).
    case json(status: Int, body: Data, headers: [(String, String)] = [])
    /// A recording stream of bytes `range` of `MediaBytes` out of `size`, optionally paced, 206 when
    /// `isPartial`, cut short by `cut` when given.
    case media(MediaAnswer)
    /// Close the connection without answering.
    case drop

    /// How a recording is streamed.
    struct MediaAnswer {
        var sessionID: Int
        var range: Range<Int>
        var size: Int
        var isPartial: Bool
        var bytesPerSecond: Int?
        var cut: SimulatedFault?
    }

    /// The API's error shape, `{"status":N,"error":"..."}`.
    static func error(_ status: Int, _ message: String) -> SimulatorResponse {
        .json(status: status, body: HistoryJSON.encode(HistoryJSON.ErrorResponse(status: status, error: message)))
    }

    /// The answer for an injected fault that happens before any body byte; nil for body faults.
    static func injected(_ fault: SimulatedFault) -> SimulatorResponse? {
        switch fault {
        case .status(let status, let retryAfter):
            guard case .json(let status, let body, _) = Self.fault(status) else { return nil }
            return .json(status: status, body: body, headers: retryAfter.map { [("Retry-After", $0)] } ?? [])
        case .dropConnection:
            return .drop
        case .rawBody(let status, let contentType, let body):
            return .json(status: status, body: Data(body.utf8), headers: [("Content-Type", contentType)])
        case .resetMidBody, .truncateBody, .stallMidBody:
            return nil
        }
    }

    /// The error shape with a generic message for `status`, used for injected faults.
    static func fault(_ status: Int) -> SimulatorResponse {
        let message: String
        switch status {
        case 401: message = "unauthorized"
        case 402: message = "payment required"
        case 403: message = "access denied"
        case 404: message = "not found"
        case 429: message = "too many requests"
        case 500..<600: message = "internal server error"
        default: message = "simulated fault"
        }
        return error(status, message)
    }
}
