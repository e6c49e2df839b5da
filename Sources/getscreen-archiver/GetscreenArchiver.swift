import ArchiverCore
import ArgumentParser
import CLinux
import Dispatch
import Glibc
import Logging

/// The `getscreen-archiver` command: parses, runs one subcommand, and maps every outcome to the documented
/// exit codes (0 all archived, 1 some recordings failed, 2 usage or configuration error, 3 could not run,
/// 75 lock held, 130/143 interrupted; `RunOutcome`).
@main
struct GetscreenArchiver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "getscreen-archiver",
        abstract: "Back up the video recordings of Getscreen.me sessions to an archive folder.",
        discussion: """
            Exit codes: 0 every recording archived; 1 some recordings failed, the rest archived; \
            2 usage or configuration error; 3 could not run (key rejected, request limit exceeded, API unreachable, \
            archive root missing or not mounted, no space, …: the report's error.code and the metric \
            getscreen_archiver_last_run_error{code} say which); 75 another run holds the archive's lock (try \
            later); 130 interrupted by SIGINT, 143 by SIGTERM (partial downloads kept for the next run).

            Examples:
              getscreen-archiver demo
              getscreen-archiver check --config /etc/getscreen-archiver/config.yaml
              getscreen-archiver sync --config /etc/getscreen-archiver/config.yaml
              getscreen-archiver sync --config /etc/getscreen-archiver/config.yaml --dry-run --full
              getscreen-archiver fetch --config /etc/getscreen-archiver/config.yaml --session-id 10573011
              getscreen-archiver completions --shell bash > /etc/bash_completion.d/getscreen-archiver
              getscreen-archiver help sync
            """,
        version: ToolVersion.current,
        subcommands: [
            Sync.self, Fetch.self, Reindex.self, Verify.self, Demo.self, Completions.self, Check.self, Failures.self,
            Config.self,
        ]
    )

    static func main() async {
        // One malloc arena for every thread (glibc makes one per thread that contends, each keeping its own freed
        // pages): a run's heap is small, and threads rarely allocate at the same time.
        mallopt(M_ARENA_MAX, 1)
        let run = Task { try await parseAndRun() }
        // SIGINT and SIGTERM (Ctrl-C, systemd stopping the unit) cancel the run: in-flight transfers abort,
        // their partial files are kept for the next run, and the process exits 130 or 143 with what was archived
        // so far; within a few seconds even when a storage call hangs (see `Interruption`).
        let signalSources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            // @Sendable: otherwise the handler inherits main()'s main-actor isolation, and the runtime traps when
            // Dispatch runs it on one of its own threads.
            source.setEventHandler { @Sendable in Interruption.received(signalNumber, cancelling: run) }
            source.resume()
            return source
        }
        let result = await run.result
        signalSources.forEach { $0.cancel() }
        do {
            try result.get()
        } catch let error as ArchiverError {
            Terminal.printError("error: \(error)")
            Glibc.exit(RunOutcome(error).exitCode)
        } catch let error as ConfigurationError {
            Terminal.printError("error: \(error)")
            Glibc.exit(RunOutcome(error).exitCode)
        } catch {
            // ArgumentParser uses 64 (EX_USAGE) for parse and validation errors; the contract says 2.
            if exitCode(for: error) == .validationFailure {
                Terminal.printError(fullMessage(for: error))
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }

    private static func parseAndRun() async throws {
        var command = try parseAsRoot()
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }
}

/// Writing to the standard streams.
enum Terminal {
    /// Prints `message` and a newline to stderr (with the error priority `<3>` on the journal).
    static func printError(_ message: String) {
        let prefix = Console.standardError.isJournal ? JournalStream.prefix(for: .error) : ""
        write(prefix + message + "\n", to: STDERR_FILENO)
    }

    /// Prints `text` as it is to stdout.
    static func printOutput(_ text: String) {
        write(text, to: STDOUT_FILENO)
    }

    /// Writes all of `text` to `descriptor`, again after interruptions; stops when the stream is closed.
    static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
