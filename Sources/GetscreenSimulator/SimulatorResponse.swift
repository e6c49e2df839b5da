import Foundation

/// What the router decided to answer; `SimulatorHTTPHandler` turns it into bytes on the wire.
enum SimulatorResponse {
    /// A complete JSON body with its status code.
    case json(status: Int, body: Data)
    /// A 200 recording stream of `size` bytes of `MediaBytes`, optionally paced.
    case media(sessionID: Int, size: Int, bytesPerSecond: Int?)

    /// The API's error shape, `{"status":N,"error":"..."}`.
    static func error(_ status: Int, _ message: String) -> SimulatorResponse {
        .json(status: status, body: HistoryJSON.encode(HistoryJSON.ErrorResponse(status: status, error: message)))
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
