import Testing

@testable import ArchiverCore

/// The server's own words in API errors: found in the usual members, on one line, short, and never the key.
@Suite struct ServerMessageTests {
    static let key = APIKey("k3y-5ecret+value/abc")!

    func text(_ body: String) -> String? {
        ServerMessage.extract(from: Array(body.utf8), hiding: Self.key)
    }

    @Test(arguments: [
        (#"{"message": "API access is disabled for this account"}"#, "API access is disabled for this account"),
        (#"{"status": 401, "error": "unauthorized"}"#, "unauthorized"),
        (#"{"description": "plan expired"}"#, "plan expired"),
        (#"{"error": {"code": 17, "message": "date_from is out of range"}}"#, "date_from is out of range"),
        (#"{"errors": [{"detail": "too many requests"}]}"#, "too many requests"),
        (#"{"error": true, "message": "quota reached"}"#, "quota reached"),
        (#"{"error": "first", "message": "preferred"}"#, "preferred"),
    ])
    func findsTheMessageInTheUsualMembers(body: String, message: String) {
        #expect(text(body) == message)
    }

    @Test(arguments: [#"{"status": 500}"#, #"{"error": 5}"#, #""just a string""#, "[]", "", "  \n "])
    func noMessageIsNil(body: String) {
        #expect(text(body) == nil)
    }

    @Test func aBodyThatIsNotJSONIsQuotedFromItsStart() {
        #expect(
            text("<html>\r\n<head><title>502 Bad Gateway</title></head>")
                == "<html> <head><title>502 Bad Gateway</title></head>")
    }

    @Test func controlAndFormatCharactersAreRemovedAndTheTextIsOneLine() {
        #expect(text("{\"message\": \"line one\\n\\tline\\u0007 two\\u202e!\"}") == "line one line two!")
        #expect(text("a\u{1B}[31mred\u{1B}[0m") == "a[31mred[0m")
    }

    @Test func theKeyIsRedactedWhereverItAppears() {
        let plain = text(#"{"message": "key \#(Self.key.value) is disabled"}"#)
        #expect(plain == "key REDACTED is disabled")
        let inURL = text(#"{"message": "see https://x.test/v?apikey=anything&a=1"}"#)
        #expect(inURL == "see https://x.test/v?apikey=REDACTED&a=1")
        let encoded = text(#"{"message": "got k3y-5ecret%2Bvalue%2Fabc"}"#)
        #expect(encoded == "got REDACTED")
    }

    @Test func aLongMessageIsShortenedAfterTheKeyIsRemovedSoNoPartOfItSurvives() throws {
        let padding = String(repeating: "x", count: ServerMessage.maximumLength - 5)
        let message = try #require(text(#"{"message": "\#(padding) \#(Self.key.value) and more"}"#))
        #expect(message.count == ServerMessage.maximumLength + 1)
        #expect(message.hasSuffix("…"))
        #expect(!message.contains("k3y"))
    }

    @Test func anEmptyKeyRedactsNothing() {
        #expect(ServerMessage.extract(from: Array(#"{"error": "x"}"#.utf8), hiding: .notLoaded) == "x")
    }
}
