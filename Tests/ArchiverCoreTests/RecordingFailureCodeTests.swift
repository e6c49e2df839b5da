import Foundation
import Testing

@testable import ArchiverCore

/// The failure codes' slugs, which reports, metrics and catalogs written by earlier versions hold: pure, no I/O.
@Suite struct RecordingFailureCodeTests {
    typealias Code = RecordingFailure.Code

    /// Every code and its slug, written out: a slug that changes breaks monitoring and older catalogs.
    static let slugs: [(Code, String)] = [
        (.invalidItem, "invalid_item"),
        (.invalidMediaURL, "invalid_media_url"),
        (.insecureMediaURL, "insecure_media_url"),
        (.untrustedMediaHost, "untrusted_media_host"),
        (.invalidRedirectURL, "invalid_redirect_url"),
        (.insecureRedirect, "insecure_redirect"),
        (.untrustedRedirectHost, "untrusted_redirect_host"),
        (.redirectWithoutLocation, "redirect_without_location"),
        (.tooManyRedirects, "too_many_redirects"),
        (.unsafePath, "unsafe_path"),
        (.http(status: 404), "http_404"),
        (.http(status: 503), "http_503"),
        (.sizeMismatch, "size_mismatch"),
        (.curlResolve, "curl_resolve"),
        (.curlConnect, "curl_connect"),
        (.curlTimeout, "curl_timeout"),
        (.curlTruncated, "curl_truncated"),
        (.curlConnectionLost, "curl_connection_lost"),
        (.writeFailed, "write_failed"),
        (.bodyTooLarge, "body_too_large"),
        (.rangeMismatch, "range_mismatch"),
        (.curlBadURL, "curl_bad_url"),
        (.curl(code: 56), "curl_56"),
        (.storageFlushFailed, "storage_flush_failed"),
        (.storageCloseFailed, "storage_close_failed"),
        (.storageSizeUnreadable, "storage_size_unreadable"),
        (.storageSizeMismatch, "storage_size_mismatch"),
        (.storageUploadFailed, "storage_upload_failed"),
        (.sidecarUnusable, "sidecar_unusable"),
        (.sidecarMismatch, "sidecar_mismatch"),
        (.unreadable, "unreadable"),
        (.unrecognized("from_a_newer_version"), "from_a_newer_version"),
    ]

    @Test(arguments: slugs)
    func eachCodeHasItsSlugAndReadsBackFromIt(code: Code, slug: String) throws {
        #expect(code.slug == slug)
        #expect("\(code)" == slug, "logs and listings print the slug")
        #expect(Code(slug: slug) == code)
        let json = try JSONEncoder().encode([code])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(slug)\"]")
        #expect(try JSONDecoder().decode([Code].self, from: json) == [code])
    }

    @Test func theTableCoversEveryCodeWithoutAValue() {
        let tabled = Set(Self.slugs.map(\.0))
        #expect(Code.valueless.allSatisfy(tabled.contains), "a code is missing from `slugs`")
        let valueless = Code.valueless.map(\.slug)
        #expect(Set(valueless).count == valueless.count, "two codes share a slug: \(valueless)")
        #expect(valueless.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" } }, "\(valueless)")
    }

    @Test(arguments: [
        "http_0404", "http_+404", "http_", "http_4x", "curl_", "curl_07", "curl_connection", "", "HTTP_404",
    ])
    func aSlugNoCodeWritesIsKeptAsItIs(slug: String) {
        #expect(Code(slug: slug) == .unrecognized(slug))
        #expect(Code(slug: slug).slug == slug)
    }

    @Test func aFailureEncodesItsCodeAsTheSlug() throws {
        let failure = RecordingFailure(sessionID: 7, code: .http(status: 404), reason: "gone")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(failure)) as? [String: Any]
        #expect(json?["code"] as? String == "http_404")
        #expect(try JSONDecoder().decode(RecordingFailure.self, from: JSONEncoder().encode(failure)) == failure)
    }

    @Test(arguments: [408, 425, 429, 500, 502, 503, 504])
    func transientStatusesAreRetried(status: Int) {
        #expect(Code.http(status: status).isTransient)
        #expect(RetryPolicy.isTransient(status: status))
    }

    @Test(arguments: [400, 401, 403, 404, 410, 416, 501])
    func otherStatusesAreNot(status: Int) {
        #expect(!Code.http(status: status).isTransient)
        #expect(!RetryPolicy.isTransient(status: status))
    }

    @Test func transientCodesAreTheNetworksTheBodysSizeAndTheObjectStores() {
        let transient: Set<Code> = [
            .sizeMismatch, .curlResolve, .curlConnect, .curlTimeout, .curlTruncated, .curlConnectionLost,
            .rangeMismatch, .curl(code: 56), .storageUploadFailed,
        ]
        for (code, _) in Self.slugs where !Self.isHTTP(code) {
            #expect(code.isTransient == transient.contains(code), "\(code)")
        }
    }

    private static func isHTTP(_ code: Code) -> Bool {
        if case .http = code { true } else { false }
    }
}
