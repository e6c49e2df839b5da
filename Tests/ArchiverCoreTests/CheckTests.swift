import ArchiverTestSupport
import Foundation
import Glibc
import Logging
import Testing

@testable import ArchiverCore

/// The pure parts of `check`: the list page's shape, the server's message, the media probe's answer and the
/// checklist; and its archive checks, in process.
struct CheckTests {
    static func page(_ text: String) throws(ListPageShape.Unreadable) -> ListPageShape {
        try ListPageShape(body: Array(text.utf8), askedLimit: 2)
    }

    static let fullItem =
        #"{"id": 1, "start": 1, "stop": 2, "agent": {"id": 3, "name": "PC"}, "video": {"url": "https://x", "size": 9}}"#

    @Test func aPageThatEchoesLimitAndGivesTotal() throws {
        let page = try Self.page(#"{"offset": 0, "limit": 2, "total": 130, "data": [\#(Self.fullItem)]}"#)
        #expect(page.itemCount == 1)
        #expect(page.limitBehaviour == "limit echoed (2)")
        #expect(page.totalBehaviour == "total 130")
        #expect(page.oddities.isEmpty)
    }

    @Test func aPageWithoutLimitAndTotalThatIgnoresLimitAndLacksFields() throws {
        let lacking =
            #"{"id": 2, "start": 1, "stop": null, "agent": {"id": 3}, "video": {"url": "https://x", "size": 9}}"#
        let page = try Self.page(#"{"limit": 20, "data": [\#(Self.fullItem), \#(lacking), \#(Self.fullItem)]}"#)
        #expect(page.limitBehaviour == "limit answered as 20 for 2 asked")
        #expect(page.totalBehaviour == "no total in the answer")
        #expect(
            page.oddities == [
                "3 items came back for limit 2: the server ignores limit", "1 of 3 items lack stop",
                "1 of 3 items lack agent.name",
            ])
        #expect(try Self.page(#"{"data": []}"#).limitBehaviour == "no limit in the answer")
    }

    @Test(arguments: [#"{"message": "no"}"#, "<html>502</html>", "[1]"])
    func aPageThatCannotBeReadSaysWhy(body: String) {
        #expect(throws: ListPageShape.Unreadable.self) { try Self.page(body) }
    }

    static let key = APIKey("k-123456")!

    @Test(arguments: [
        (#"{"message": "API access is disabled for this account"}"#, "API access is disabled for this account"),
        (#"{"status": 403, "error": "invalid API key"}"#, "invalid API key"),
        (#"{"description": "bad\nrequest"}"#, "bad request"),
        (#"{"status": 500}"#, nil),
        ("<h1>Bad gateway</h1> for k-123456", "<h1>Bad gateway</h1> for REDACTED"),
        ("", nil),
    ])
    func theServersMessage(body: String, message: String?) {
        #expect(ServerMessage.extract(from: Array(body.utf8), hiding: Self.key) == message)
    }

    @Test func aLongMessageIsShortened() throws {
        let message = try #require(
            ServerMessage.extract(from: Array(String(repeating: "x", count: 900).utf8), hiding: Self.key))
        #expect(message.count == ServerMessage.maximumLength + 1)
    }

    @Test(arguments: [("bytes 0-0/428652", 428652), ("bytes 0-0/*", nil), ("items 0-0/5", nil), ("bytes 0-0", nil)])
    func theCompleteLengthOfAContentRange(header: String, size: Int?) {
        #expect(MediaProbe.completeLength(header) == size)
    }

    @Test func theChecklistFailsOnlyOnAFailure() {
        var list = CheckList()
        list.append(.ok, "config loaded")
        list.append(.warning, "free space: not reported", fix: "set archive.assume_free")
        list.append(.skipped, "lock not checked")
        #expect(list.exitCode == 0)
        list.append(.failed, "API key rejected", fix: "check GETSCREEN_API_KEY")
        #expect(list.exitCode == 1)
        #expect(list.summary == "check: 1 ok, 1 failed, 1 warnings, 1 skipped")
        #expect(
            list.text == """
                ok       config loaded
                warning  free space: not reported
                         fix: set archive.assume_free
                skip     lock not checked
                FAIL     API key rejected
                         fix: check GETSCREEN_API_KEY
                check: 1 ok, 1 failed, 1 warnings, 1 skipped

                """)
    }

    @Test func theWriteProbeLeavesNothing() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        #expect(Archiver.probeWriting(in: folder.path) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(Archiver.probeWriting(in: folder.path + "/missing") != nil)
    }

    @Test func theArchiveChecksFailOnAHeldLockTooLittleSpaceAndAMissingMountAndWriteNothing() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let logger = Logger(label: "test")
        var configuration = ArchiverConfiguration(
            apiKey: Self.key, archiveRoot: try folder.subfolder("archive"),
            stateDirectory: "\(folder.path)/state")
        configuration.minimumFreeBytes = Int.max
        configuration.mountRequirement = .rootIsMountPoint
        let lock = try RunLock.acquire(try ArchiveRoot(path: configuration.archiveRoot), logger: logger)
        defer { lock.release() }
        let before = treeSnapshot(of: folder.path)

        var list = CheckList()
        Archiver.checkArchive(configuration, logger: logger, into: &list)

        let failures = list.items.filter { $0.status == .failed }.map(\.text)
        #expect(failures.count == 3, "\(list.text)")
        #expect(failures.contains { $0.hasPrefix("mount: archive root") && $0.contains("not a mount point") })
        #expect(failures.contains { $0.hasPrefix("free space:") && $0.contains("archive.min_free") })
        #expect(failures.contains { $0.hasPrefix("lock: another run holds the archive (a run on this machine") })
        #expect(list.items.contains { $0.status == .ok && $0.text.hasPrefix("catalog: none yet") })
        #expect(treeSnapshot(of: folder.path) == before)
    }
}
