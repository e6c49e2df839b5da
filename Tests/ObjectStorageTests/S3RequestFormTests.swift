import Testing

@testable import Curl
@testable import ObjectStorage

/// What the client puts into URLs and XML documents, without a store.
struct S3RequestFormTests {
    @Test func pathStyleURLsEncodeTheKeyAndSortTheQuery() {
        let endpoint = S3Endpoint(url: "http://127.0.0.1:8333/", region: "us-east-1", addressing: .pathStyle)
        let url = endpoint.requestURL(
            bucket: "archive", key: "PC 1/übung+1.mp4",
            query: [("uploadId", "a/b=c"), ("partNumber", "2"), ("uploads", "")])
        #expect(
            url == "http://127.0.0.1:8333/archive/PC%201/%C3%BCbung%2B1.mp4?partNumber=2&uploadId=a%2Fb%3Dc&uploads=")
    }

    @Test func virtualHostedURLsPutTheBucketInTheHostName() {
        let endpoint = S3Endpoint(
            url: "https://s3.eu-central-1.amazonaws.com", region: "eu-central-1", addressing: .virtualHosted)
        #expect(
            endpoint.requestURL(bucket: "archive", key: "a/b.mp4")
                == "https://archive.s3.eu-central-1.amazonaws.com/a/b.mp4")
        #expect(
            endpoint.requestURL(bucket: "archive", key: nil, query: [("list-type", "2")])
                == "https://archive.s3.eu-central-1.amazonaws.com/?list-type=2")
    }

    @Test(arguments: [
        ("a b.mp4", "a%20b.mp4"), ("PC 1/übung+1.mp4", "PC%201/%C3%BCbung%2B1.mp4"),
        ("日本/録画 (1).mp4", "%E6%97%A5%E6%9C%AC/%E9%8C%B2%E7%94%BB%20%281%29.mp4"), ("a+b=c&d", "a%2Bb%3Dc%26d"),
    ])
    func virtualHostedURLsEncodeTheKey(_ key: String, _ encoded: String) {
        let endpoint = S3Endpoint(url: "https://s3.example.com/", region: "eu-central-1", addressing: .virtualHosted)
        #expect(endpoint.requestURL(bucket: "archive", key: key) == "https://archive.s3.example.com/\(encoded)")
    }

    @Test func unreservedCharactersStayAndEverythingElseIsEncoded() {
        #expect(S3Endpoint.encode("AZaz09-._~", keepingSlashes: false) == "AZaz09-._~")
        #expect(S3Endpoint.encode("a/b c*'", keepingSlashes: true) == "a/b%20c%2A%27")
        #expect(S3Endpoint.encode("a/b", keepingSlashes: false) == "a%2Fb")
    }

    @Test func anXMLDocumentSurvivesAWriteAndARead() throws {
        let document = XMLElement(
            "CompleteMultipartUpload",
            children: [
                XMLElement(
                    "Part", children: [XMLElement("ETag", text: "\"a&b<c>\""), XMLElement("PartNumber", text: "1")])
            ])
        let bytes = document.document(namespace: S3Client.namespace)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""))
        #expect(text.contains("a&amp;b&lt;c&gt;"))
        #expect(XMLElement.parse(bytes) == document)
    }

    @Test(arguments: ["", "not xml", "<Error><Code>x</Error>", "<?xml version=\"1.0\"?>"])
    func whatIsNotWellFormedXMLDoesNotParse(_ text: String) {
        #expect(XMLElement.parse(Array(text.utf8)) == nil)
    }

    @Test func aListingPageNeedsATokenWhenItIsTruncated() throws {
        let truncated = try #require(
            XMLElement.parse(Array("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>".utf8)))
        #expect(ObjectListingPage(truncated) == nil)
        let last = try #require(
            XMLElement.parse(
                Array(
                    """
                    <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>
                    <Contents><Key>a</Key><Size>5</Size><ETag>&#34;e&#34;</ETag>
                    <LastModified>2026-12-06T05:13:50.000Z</LastModified></Contents></ListBucketResult>
                    """.utf8)))
        let page = try #require(ObjectListingPage(last))
        #expect(page.nextContinuationToken == nil)
        #expect(page.objects.map(\.key) == ["a"])
        #expect(page.objects.first?.etag == "e")
        #expect(page.objects.first?.lastModified != nil)
    }

    /// CompleteMultipartUpload can fail after its 200 status line: the `Error` document in the body counts.
    @Test func anErrorDocumentInsideA200IsAnError() async throws {
        let curl = try CurlMulti()
        let client = S3Client(
            endpoint: S3Endpoint(url: "http://127.0.0.1:9", region: "us-east-1", addressing: .pathStyle),
            credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "TOP-SECRET"), curl: curl)
        await curl.shutdown()
        let body = "<Error><Code>InternalError</Code><Message>boom</Message><RequestId>R1</RequestId></Error>"
        let answer = TransferResponse(
            statusCode: 200, headers: [:], body: Array(body.utf8), bytesWritten: 0, restartedFromZero: false)
        let call = S3Client.Call(operation: "CompleteMultipartUpload", method: .post, bucket: "b", key: "k")

        let error = #expect(throws: S3Error.self) { try client.document(answer, for: call) }
        #expect(error?.code == "InternalError")
        #expect(error?.httpStatus == 200)
        #expect(error?.isRetryable == true)
        #expect(error?.requestID == "R1")
        #expect(error?.description.contains("CompleteMultipartUpload s3://b/k") == true)
        #expect(error?.description.contains("TOP-SECRET") == false)
    }
}
