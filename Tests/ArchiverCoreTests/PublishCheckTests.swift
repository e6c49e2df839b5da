import Glibc
import Testing

@testable import ArchiverCore

/// `PublishCheck`: which answers of the storage let a recording stay at its final path, and what the failure says.
@Suite struct PublishCheckTests {
    @Test func everyStepConfirmedPublishes() {
        var check = PublishCheck(expectedBytes: 4096)
        check.flushed(failing: nil)
        check.measured(.written, bytes: 4096)
        check.closed(failing: nil)
        check.measured(.beforeRename, bytes: 4096)
        check.measured(.afterRename, bytes: 4096)
        #expect(check.mayPublish)
        #expect(check.doubt == nil)
    }

    /// Issue 11, case 1: sshfs reported the lost last bytes only in `close`, as EIO.
    @Test func aCloseThatFailsWithEIOKeepsTheRecordingOut() throws {
        var check = PublishCheck(expectedBytes: 4096)
        check.flushed(failing: nil)
        check.measured(.written, bytes: 4096)
        check.closed(failing: EIO)
        #expect(!check.mayPublish)
        let doubt = try #require(check.doubt)
        #expect(doubt == .closeFailed(errno: EIO))
        let failure = check.failure(doubt, sessionID: 7, disposal: .removed)
        #expect(failure.sessionID == 7)
        #expect(failure.code == .storageCloseFailed)
        #expect(failure.reason.contains("closed (EIO, Input/output error)"))
        #expect(failure.reason.contains("the recording was not filed and will be fetched again next run"))
    }

    @Test(arguments: [
        (PublishCheck.Stage.written, 4000, "holds 4000 bytes of the recording after writing it, not the 4096 written"),
        (.beforeRename, 0, "holds 0 bytes of the recording before moving it into place"),
        (.afterRename, 4095, "holds 4095 bytes of the recording after moving it into place"),
    ])
    func aSizeThatDiffersAtAnyStageKeepsTheRecordingOut(stage: PublishCheck.Stage, bytes: Int, phrase: String) throws {
        var check = PublishCheck(expectedBytes: 4096)
        check.measured(stage, bytes: bytes)
        let doubt = try #require(check.doubt)
        #expect(doubt == .sizeDiffers(stage, bytes: bytes))
        let failure = check.failure(doubt, sessionID: 1, disposal: .removed)
        #expect(failure.code == .storageSizeMismatch)
        #expect(failure.reason.contains(phrase))
    }

    @Test func anUnreadableSizeIsADoubtToo() throws {
        var check = PublishCheck(expectedBytes: 10)
        check.measured(.afterRename, bytes: nil, errno: ENOENT)
        let doubt = try #require(check.doubt)
        let failure = check.failure(doubt, sessionID: 1, disposal: .removed)
        #expect(failure.code == .storageSizeUnreadable)
        #expect(failure.reason.contains("could not tell the recording's size after moving it into place (ENOENT"))
    }

    /// The first answer that puts the bytes in doubt is what the admin reads: later ones are consequences of it.
    @Test func theFirstDoubtIsKept() {
        var check = PublishCheck(expectedBytes: 4096)
        check.flushed(failing: ETIMEDOUT)
        check.measured(.written, bytes: 1000)
        check.closed(failing: EIO)
        #expect(check.doubt == .flushFailed(errno: ETIMEDOUT))
    }

    @Test func aFileThatCouldNotBeDeletedIsNamedWithWhatTheNextRunDoes() {
        var check = PublishCheck(expectedBytes: 4096)
        check.measured(.afterRename, bytes: 10)
        let failure = check.failure(
            .sizeDiffers(.afterRename, bytes: 10), sessionID: 1,
            disposal: .leftInPlace(path: "/nas/rec/a.mp4", errno: ENOTCONN))
        #expect(failure.reason.contains("deleting it failed (ENOTCONN"))
        #expect(failure.reason.contains("/nas/rec/a.mp4 holds a file that is not the recording"))
        #expect(failure.reason.contains("the next run moves that file aside and fetches it again"))
    }
}
