import Glibc
import Testing

@testable import ArchiverCore

/// The one table of exit codes and the stable error codes.
@Suite struct ErrorCodeTests {
    @Test(arguments: [
        (ArchiverError.archiveBusy(holder: "pid 1 on a"), ArchiverError.Code.lockHeld, Int32(75)),
        (.configuration(.missingArchiveRoot(searched: [], file: nil)), .configuration, 2),
        (.apiKeyRejected(status: 401, message: nil), .keyRejected, 3),
        (.requestLimitExceeded(message: nil), .requestLimit, 3),
        (.apiUnreachable(endpoint: "history/list", reason: "refused"), .apiUnreachable, 3),
        (.apiStatus(status: 500, endpoint: "history/list", message: nil), .apiError, 3),
        (.archiveRootMissing(path: "/srv"), .rootMissing, 3),
        (.archiveRootNotMounted(path: "/srv", mountPoint: nil), .notMounted, 3),
        (.archiveRootOutsideMount(path: "/srv", mountPoint: "/mnt"), .notMounted, 3),
        (.insufficientSpace(path: "/srv", neededBytes: 2, availableBytes: 1), .noSpace, 3),
        (.lockLost(path: "/srv/lock", holder: "b"), .lockLost, 3),
        (.storageUnresponsive(operation: "rename", timeout: .seconds(1)), .storageUnresponsive, 3),
        (.catalogUnavailable(path: "/c", reason: "locked"), .catalogUnavailable, 3),
    ])
    func eachErrorHasItsCodeAndExitCode(error: ArchiverError, code: ArchiverError.Code, exitCode: Int32) {
        #expect(error.code == code)
        #expect(error.exitCode == exitCode)
    }

    @Test func slugsAreSnakeCaseAndDistinct() {
        let slugs = ArchiverError.Code.allCases.map(\.rawValue)
        #expect(Set(slugs).count == slugs.count)
        #expect(slugs.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" } }, "\(slugs)")
    }

    @Test func anInterruptionSaysPartialDownloadsWereKept() {
        let error = ArchiverError.interrupted(archived: 2)
        #expect(error.code == .interrupted)
        #expect(error.exitCode == 128 + StopSignal.number)
        #expect(error.description.contains("partial downloads were kept"), "\(error)")
        #expect(!error.description.contains("removed"), "\(error)")
    }

    @Test func prometheusTextIsSortedByFamilyKeepingHelpBeforeTypeBeforeSamples() {
        let text = """
            # HELP b_total B.
            # TYPE b_total gauge
            b_total{code="z"} 1
            b_total{code="a"} 2
            # TYPE a_seconds gauge
            # HELP a_seconds A.
            a_seconds 3

            """
        #expect(
            PrometheusText.sorted(text) == """
                # HELP a_seconds A.
                # TYPE a_seconds gauge
                a_seconds 3
                # HELP b_total B.
                # TYPE b_total gauge
                b_total{code="a"} 2
                b_total{code="z"} 1

                """)
    }
}
