import Testing

@testable import ArchiverCore

/// The redirect hop count and the policy each redirect target goes through (issue 12, case 5).
struct RedirectChainTests {
    @Test(arguments: [
        (301, true), (302, true), (303, true), (307, true), (308, true), (300, false), (304, false),
        (200, false), (206, false), (404, false),
    ])
    func redirectStatuses(status: Int, isRedirect: Bool) {
        #expect(RedirectChain.isRedirect(status) == isRedirect)
    }

    @Test func followsFiveHopsAndRefusesTheSixth() {
        var chain = RedirectChain()
        #expect(chain.hostList == "none")
        for index in 1...5 {
            let followed = chain.follow(to: "h\(index)")
            #expect(followed)
        }
        let sixth = chain.follow(to: "h6")
        #expect(!sixth)
        #expect(chain.hosts == ["h1", "h2", "h3", "h4", "h5"])
        #expect(chain.hostList == "h1, h2, h3, h4, h5")
    }

    static let key = APIKey("secret-key-123")!

    static func policy(_ hosts: [String], insecure: Bool = false) throws -> MediaURLPolicy {
        MediaURLPolicy(mediaHosts: try hosts.map { try HostPattern($0) }, allowsInsecureHTTP: insecure)
    }

    @Test func aRedirectToAnAllowedHostGetsTheKeyOnce() throws {
        let (url, host) = try Self.policy(["*.getscreen.me"]).authorizeRedirect(
            "https://cdn.getscreen.me/v/1.mp4?sig=abc&apikey=old", for: 7, key: Self.key)
        #expect(url == "https://cdn.getscreen.me/v/1.mp4?sig=abc&apikey=secret-key-123")
        #expect(host == "cdn.getscreen.me")
    }

    @Test func aRedirectToAHostNotAllowedIsRefusedNamingTheHostAndNeverTheKey() throws {
        let target = "https://storage.example.com/v/1.mp4?apikey=secret-key-123"
        let failure = try #require(throws: RecordingFailure.self) {
            try Self.policy(["*.getscreen.me"]).authorizeRedirect(target, for: 7, key: Self.key)
        }
        #expect(failure.code == .untrustedRedirectHost)
        #expect(failure.sessionID == 7)
        #expect(failure.reason.contains("redirected to storage.example.com"))
        #expect(failure.reason.contains("add it to media_hosts"))
        #expect(failure.reason.contains("apikey=REDACTED"))
        #expect(!failure.reason.contains("secret-key-123"))
    }

    @Test(arguments: [false, true])
    func aRedirectToPlainHTTPNeedsAllowInsecureHTTP(allowsInsecureHTTP: Bool) throws {
        let policy = try Self.policy(["st.getscreen.me"], insecure: allowsInsecureHTTP)
        let target = "http://st.getscreen.me/v/1.mp4"
        if allowsInsecureHTTP {
            #expect(try policy.authorizeRedirect(target, for: 1, key: Self.key).host == "st.getscreen.me")
        } else {
            let failure = try #require(throws: RecordingFailure.self) {
                try policy.authorizeRedirect(target, for: 1, key: Self.key)
            }
            #expect(failure.code == .insecureRedirect)
        }
    }

    @Test(arguments: ["ftp://st.getscreen.me/v/1.mp4", "file:///etc/passwd", "not a url", "https:///nohost"])
    func aRedirectToAnotherSchemeOrNoHostIsRefused(target: String) throws {
        let failure = try #require(throws: RecordingFailure.self) {
            try Self.policy(["st.getscreen.me"], insecure: true).authorizeRedirect(target, for: 1, key: Self.key)
        }
        #expect([.insecureRedirect, .invalidRedirectURL].contains(failure.code), "\(failure)")
    }
}
