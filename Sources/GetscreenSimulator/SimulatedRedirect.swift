/// A redirect that a recording's media requests answer with before the recording itself is served, as a media
/// host that hands downloads to storage or a CDN would.
///
/// The hop number travels in the target's `hop` query parameter: a request with `hop` below `hops` is redirected
/// to hop + 1, the last hop serves the recording. The target carries no `apikey`: a client that follows to an
/// allowed host must add it again, and one that sends it to a host it should not trust shows in the request log
/// (each `RecordedRequest` keeps the `Host` header).
public struct SimulatedRedirect: Sendable, Equatable {
    /// Where each hop points.
    public enum Target: Sendable, Equatable {
        /// A relative `Location` (a path and query on the same host and port).
        case sameHost
        /// `http://<host>:<port>/…` on the simulator's own port: `localhost` reaches the same listener under
        /// another name, so a test can allow it in `media_hosts`, or not.
        case host(String)
    }

    /// The status of each redirect (301, 302, 303, 307, 308).
    public var status: Int
    /// Where the redirects point.
    public var target: Target
    /// How many redirects are answered in a row before the recording is served.
    public var hops: Int

    /// Creates a redirect of `hops` hops answered with `status`, to `target`.
    public init(status: Int = 302, target: Target = .sameHost, hops: Int = 1) {
        self.status = status
        self.target = target
        self.hops = hops
    }

    /// The `Location` of the redirect answered to a request for `path` that carried hop number `hop`, or nil when
    /// that request is the last hop and gets the recording.
    func location(forPath path: String, hop: Int, port: Int) -> String? {
        guard hop < hops else { return nil }
        let relative = "\(path)?hop=\(hop + 1)"
        switch target {
        case .sameHost: return relative
        case .host(let host): return "http://\(host):\(port)\(relative)"
        }
    }
}
