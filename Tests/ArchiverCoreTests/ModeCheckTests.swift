import ArchiverTestSupport
import Foundation
import Glibc
import InMemoryLogging
import Logging
import Testing

@testable import ArchiverCore

/// `ModeCheck` on real files: the mode asked is compared with the mode the file system kept, and one warning per
/// run says when they differ (issue 11, case 8: smbnetfs kept 0744 for `file_mode: "0600"`, and `fchmod` returned 0).
@Suite struct ModeCheckTests {
    /// Folders whose mode is not the one asked stand for what a share kept after `chmod` returned 0.
    @Test func warnsOncePerRunNamingTheKeyAndBothModes() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let (logger, log) = recordingLogger()
        let check = ModeCheck(logger: logger)
        for name in ["a", "b", "c"] {
            let path = try folder.subfolder(name)
            #expect(chmod(path, 0o744) == 0)
            try check.verifyFolder(path, has: 0o700)
        }

        let warnings = log.entries.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        let warning = try #require(warnings.first)
        #expect("\(warning.message)".contains("archive.file_mode"))
        #expect("\(warning.message)".contains("the share decides them"))
        #expect(warning.metadata["asked_mode"] == "0700")
        #expect(warning.metadata["got_mode"] == "0744")
        #expect(warning.metadata["path"] == "\(folder.path)/a")

        // The next run says it again.
        let next = ModeCheck(logger: logger)
        try next.verifyFolder("\(folder.path)/b", has: 0o700)
        #expect(log.entries.filter { $0.level == .warning }.count == 2)
    }

    /// Where the file system keeps the mode (a local disk), nothing is said, and the mode is exact despite umask.
    @Test func aModeThatHoldsIsAppliedSilently() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let (logger, log) = recordingLogger()
        let check = ModeCheck(logger: logger)
        let path = "\(folder.path)/file"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor) }

        try check.apply(0o640, to: descriptor, at: path)

        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o640)
        #expect(log.entries.isEmpty)
    }
}
