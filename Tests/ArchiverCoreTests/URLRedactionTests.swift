import Testing

@testable import ArchiverCore

@Suite struct URLRedactionTests {
    let key = APIKey("s3cr3t key&=")!

    @Test(arguments: [
        ("https://st.getscreen.me/video/2/1.mp4", "https://st.getscreen.me/video/2/1.mp4?apikey=s3cr3t%20key%26%3D"),
        ("https://st.getscreen.me/v/1.mp4?t=9", "https://st.getscreen.me/v/1.mp4?t=9&apikey=s3cr3t%20key%26%3D"),
        (
            "https://st.getscreen.me/v/1.mp4?apikey=old&t=9",
            "https://st.getscreen.me/v/1.mp4?t=9&apikey=s3cr3t%20key%26%3D"
        ),
        ("https://st.getscreen.me/v/1.mp4?", "https://st.getscreen.me/v/1.mp4?apikey=s3cr3t%20key%26%3D"),
        ("https://st.getscreen.me/v/1.mp4#frag", "https://st.getscreen.me/v/1.mp4?apikey=s3cr3t%20key%26%3D#frag"),
    ])
    func keyIsAppendedWithTheRightSeparator(url: String, expected: String) {
        #expect(URLRedaction.authorizing(url, with: key) == expected)
    }

    @Test func redactionHidesEveryKeyParameter() {
        let url = "https://h/v.mp4?ApiKey=one&x=1&apikey=two"
        #expect(URLRedaction.redacted(url) == "https://h/v.mp4?apikey=REDACTED&x=1&apikey=REDACTED")
        #expect(URLRedaction.strippingKey(from: url) == "https://h/v.mp4?x=1")
        #expect(URLRedaction.strippingKey(from: "https://h/v.mp4?apikey=k") == "https://h/v.mp4")
    }
}
