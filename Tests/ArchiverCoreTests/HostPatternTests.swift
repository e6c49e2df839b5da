import Testing

@testable import ArchiverCore

struct HostPatternTests {
    @Test(arguments: [
        ("*.getscreen.me", "st.getscreen.me", true),
        ("*.getscreen.me", "a.b.getscreen.me", true),
        ("*.getscreen.me", "ST.GetScreen.ME", true),
        ("*.getscreen.me", "st.getscreen.me.", true),
        ("*.GETSCREEN.me", "st.getscreen.me", true),
        ("*.getscreen.me", "getscreen.me", false),
        ("*.getscreen.me", ".getscreen.me", false),
        ("*.getscreen.me", "evilgetscreen.me", false),
        ("*.getscreen.me", "st.getscreen.me.evil.com", false),
        ("*.getscreen.me", "getscreen.me.evil.com", false),
        ("st.getscreen.me", "st.getscreen.me", true),
        ("st.getscreen.me", "St.Getscreen.Me", true),
        ("st.getscreen.me", "x.st.getscreen.me", false),
        ("st.getscreen.me", "getscreen.me", false),
        ("127.0.0.1", "127.0.0.1", true),
        ("127.0.0.1", "127.0.0.10", false),
        ("::1", "[::1]", true),
        ("[::1]", "::1", true),
        ("localhost", "localhost", true),
    ])
    func matchesHosts(pattern: String, host: String, expected: Bool) throws {
        #expect(try HostPattern(pattern).matches(host: host) == expected)
    }

    @Test(arguments: [
        "", " ", "*", "*.", "**.getscreen.me", "a*.getscreen.me", "st.*.me", "https://st.getscreen.me",
        "st.getscreen.me:443", "st.getscreen.me/video", "getscreen..me", "-st.getscreen.me", "st_x.getscreen.me",
        "bücher.de",
    ])
    func rejectsInvalidPatterns(pattern: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try HostPattern(pattern) }
        #expect(error.key == "media_hosts")
        #expect(error.description.contains(String(reflecting: pattern)))
        #expect(error.description.contains("*.getscreen.me for any subdomain"))
    }

    @Test func describesLowercasedPattern() throws {
        #expect(try HostPattern(" *.GetScreen.ME ").description == "*.getscreen.me")
        #expect(try HostPattern("St.Getscreen.Me").description == "st.getscreen.me")
        #expect(try HostPattern("*.getscreen.me") == HostPattern("*.GETSCREEN.ME"))
        #expect(try HostPattern("*.getscreen.me") != HostPattern("getscreen.me"))
    }
}
