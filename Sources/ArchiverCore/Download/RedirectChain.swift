/// The redirects one media request has followed so far: at most `maximumHops`, and the host of each.
struct RedirectChain: Sendable, Equatable {
    /// The most redirects followed for one request. A media host that hands a download to storage or a CDN needs
    /// one or two; more than five is a loop or a misconfiguration.
    static let maximumHops = 5

    /// The hosts of the redirect targets followed, in order.
    private(set) var hosts: [String] = []

    /// Creates an empty chain: the original request, no redirect yet.
    init() {}

    /// Whether an answer with `status` is a redirect to follow (301, 302, 303, 307, 308). Media requests are
    /// GETs, so 303's "GET the target" is what every hop does anyway; 300 and 304 are not redirects to follow.
    static func isRedirect(_ status: Int) -> Bool {
        [301, 302, 303, 307, 308].contains(status)
    }

    /// Counts one more redirect, to `host`.
    /// - Returns: false, counting nothing, when that redirect would be one more than `maximumHops`.
    mutating func follow(to host: String) -> Bool {
        guard hosts.count < Self.maximumHops else { return false }
        hosts.append(host)
        return true
    }

    /// The hosts followed, for messages: "a, b", or "none" before the first redirect.
    var hostList: String { hosts.isEmpty ? "none" : hosts.joined(separator: ", ") }
}
