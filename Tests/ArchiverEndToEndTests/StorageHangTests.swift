import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Synchronization
import Testing

/// The real binary with a storage call that never returns. The hang is a FIFO where the lease file belongs:
/// opening it for reading blocks in the kernel until a writer comes, as a call into a hung share does.
@Suite struct StorageHangTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// Runs `body` in `withSimulator`, with an archive whose lease file is a FIFO nobody writes to.
    func withHungLock(_ body: (SimulatorFixture) async throws -> Void) async throws {
        try await withSimulator(dataset: .seeded(seed: 3, sessionCount: 2)) { fixture in
            try FileManager.default.createDirectory(
                atPath: "\(fixture.root)/.getscreen-archiver", withIntermediateDirectories: true)
            #expect(mkfifo("\(fixture.root)/.getscreen-archiver/lock", 0o600) == 0)
            try await body(fixture)
        }
    }

    /// The `error.code` and `exit_code` of the report at `path`.
    static func reportedError(at path: String) throws -> (String?, Int?) {
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        return ((report["error"] as? [String: Any])?["code"] as? String, report["exit_code"] as? Int)
    }

    /// Waits until a thread of `pid` is blocked opening a FIFO (the kernel's `wait_for_partner`).
    static func waitUntilBlockedOnTheFIFO(_ pid: Int32) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            for task in tasks {
                let wchan = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/wchan", encoding: .utf8)
                if wchan == "wait_for_partner" { return }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the run never blocked on the FIFO")
    }

    @Test func aStorageCallThatHangsEndsTheRunAfterTimeoutsStorage() async throws {
        try await withHungLock { fixture in
            let config = try fixture.writeConfig(extra: "timeouts:\n  storage: 5s")

            let report = "\(fixture.workspace.path)/last-run.json"
            let metrics = "\(fixture.workspace.path)/getscreen-archiver.prom"

            let start = ContinuousClock.now
            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", report, "--metrics-file", metrics],
                environment: keyEnvironment,
                in: fixture.workspace.path)
            let elapsed = ContinuousClock.now - start

            #expect(result.exitCode == 3, "\(result.stderr)")
            // Written although the run never unwound: the process ended from the watchdog's thread.
            #expect(try Self.reportedError(at: report) == ("storage_unresponsive", 3))
            let text = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(text.contains("getscreen_archiver_last_run_error{code=\"storage_unresponsive\"} 1.0"), "\(text)")
            #expect(
                result.stderr.contains(
                    "error: the archive's storage did not answer for 5s (reading the lock \(fixture.root)/.getscreen-archiver/lock); "
                        + "the share or its server hangs; check the mount"),
                "\(result.stderr)")
            #expect(elapsed >= .seconds(5) && elapsed < .seconds(60), "\(elapsed)")
            #expect(fixture.simulator.counters.requests.isEmpty)
        }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalEndsAHungRunWithinSeconds(signalNumber: Int32) async throws {
        try await withHungLock { fixture in
            let config = try fixture.writeConfig()  // the default storage timeout, 2 minutes
            let signalled = SignalTime()
            let report = "\(fixture.workspace.path)/last-run.json"

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", report], environment: keyEnvironment,
                in: fixture.workspace.path
            ) { pid in
                try await Self.waitUntilBlockedOnTheFIFO(pid)
                signalled.mark()
                kill(pid, signalNumber)
            }
            let afterSignal = signalled.elapsed()

            let name = signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"
            #expect(result.exitCode == 128 + signalNumber, "\(result.stderr)")
            #expect(try Self.reportedError(at: report) == ("interrupted", Int(128 + signalNumber)))
            #expect(
                result.stderr.contains("error: the run did not stop within 5 s after \(name); "), "\(result.stderr)")
            #expect(
                result.stderr.contains("(reading the lock \(fixture.root)/.getscreen-archiver/lock)"),
                "\(result.stderr)")
            #expect(afterSignal < .seconds(30), "\(afterSignal)")
        }
    }

    @Test func aSecondSignalEndsAHungRunAtOnce() async throws {
        try await withHungLock { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path
            ) { pid in
                try await Self.waitUntilBlockedOnTheFIFO(pid)
                // Two different signals: the kernel merges a second SIGTERM that arrives before the first is handled.
                kill(pid, SIGINT)
                kill(pid, SIGTERM)
            }

            // The exit code of whichever signal was handled first.
            #expect([128 + SIGINT, 128 + SIGTERM].contains(result.exitCode), "\(result.stderr)")
            #expect(result.stderr.contains("error: a second SIG"), "\(result.stderr)")
            #expect(!result.stderr.contains("did not stop within"), "\(result.stderr)")
        }
    }
}

/// When the test sent its signal.
private final class SignalTime: Sendable {
    private let start = Mutex<ContinuousClock.Instant?>(nil)

    func mark() { start.withLock { $0 = .now } }

    func elapsed() -> Duration { start.withLock { $0.map { .now - $0 } } ?? .zero }
}
