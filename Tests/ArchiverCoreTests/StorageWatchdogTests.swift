import ArchiverTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

@testable import ArchiverCore

/// The watchdog that ends a run whose storage call hangs, with a real blocking call: opening a FIFO for reading
/// blocks until a writer opens it. (That the real binary then exits 3 is `StorageHangTests`.)
@Suite struct StorageWatchdogTests {
    /// What a watchdog reported, and whether the hung call returned.
    final class Recorder: Sendable {
        let reports = Mutex<[ArchiverError]>([])
        let hasReturned = Mutex(false)

        func record(_ error: ArchiverError) { reports.withLock { $0.append(error) } }

        /// The reports, once there is one (waiting up to 20 s).
        func awaitReports() async throws -> [ArchiverError] {
            let deadline = ContinuousClock.now + .seconds(20)
            while reports.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            return reports.withLock { $0 }
        }

        var reported: [ArchiverError] { reports.withLock { $0 } }
    }

    @Test func aCallThatOutlivesTheTimeoutIsReportedOnceWithWhatItWas() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fifo = "\(directory.path)/hung"
        #expect(mkfifo(fifo, 0o600) == 0)
        let recorder = Recorder()
        let watchdog = StorageWatchdog { recorder.record($0) }
        watchdog.arm(timeout: .seconds(1))
        Thread.detachNewThread {
            let descriptor = watchdog.guarding("reading \(fifo)") { open(fifo, O_RDONLY) }
            close(descriptor)
            recorder.hasReturned.withLock { $0 = true }
        }

        let found = try await recorder.awaitReports()
        #expect(!recorder.hasReturned.withLock { $0 }, "the call still hangs")
        #expect(found.count == 1)
        let message = found.first?.description ?? ""
        #expect(message.hasPrefix("the archive's storage did not answer for 1s (reading \(fifo)); "), "\(message)")
        #expect(found.first?.exitCode == 3)
        // Let the blocked thread go.
        let writer = open(fifo, O_WRONLY | O_NONBLOCK)
        #expect(writer >= 0)
        close(writer)
    }

    @Test func aWriteSlotThatStaysBusyIsReported() async throws {
        let recorder = Recorder()
        let watchdog = StorageWatchdog { recorder.record($0) }
        watchdog.arm(timeout: .seconds(1))
        let slot = watchdog.addSlot("writing /archive/tmp/1.part")
        defer { watchdog.remove(slot) }
        slot.begin()

        let found = try await recorder.awaitReports()
        #expect(found.first?.description.contains("(writing /archive/tmp/1.part)") == true, "\(found)")
        #expect(watchdog.longestCall()?.operation == "writing /archive/tmp/1.part")
    }

    @Test func callsThatReturnAreNotReported() async throws {
        let recorder = Recorder()
        let watchdog = StorageWatchdog { recorder.record($0) }
        watchdog.arm(timeout: .seconds(1))
        let slot = watchdog.addSlot("writing /archive/tmp/2.part")
        defer { watchdog.remove(slot) }
        // Two timeouts' worth of short calls: none of them is overdue, however long they go on together.
        let end = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < end {
            _ = watchdog.guarding("renaming /archive/a.mp4") { usleep(1000) }
            slot.begin()
            usleep(1000)
            slot.end()
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(recorder.reported.isEmpty)
        #expect(watchdog.longestCall() == nil)
    }
}
