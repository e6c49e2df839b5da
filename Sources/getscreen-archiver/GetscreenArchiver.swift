import ArchiverCore
import ArgumentParser
import CLinux
import Foundation

/// The `getscreen-archiver` command: parses, runs one subcommand, and maps every outcome to the documented
/// exit codes (0 all archived, 1 some recordings failed, 2 usage or configuration error, 3 could not run).
@main
struct GetscreenArchiver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "getscreen-archiver",
        abstract: "Back up the video recordings of Getscreen.me sessions to an archive folder.",
        discussion: """
            Exit codes: 0 every recording archived; 1 some recordings failed, the rest archived; \
            2 usage or configuration error; 3 could not run (key rejected, request limit exceeded, API unreachable, \
            archive root missing, interrupted).

            Examples:
              getscreen-archiver demo
              getscreen-archiver sync --config /etc/getscreen-archiver/config.yaml
              getscreen-archiver sync --config /etc/getscreen-archiver/config.yaml --dry-run --full
              getscreen-archiver fetch --config /etc/getscreen-archiver/config.yaml --session-id 10573011
              getscreen-archiver completions --shell bash > /etc/bash_completion.d/getscreen-archiver
              getscreen-archiver help sync
            """,
        subcommands: [Sync.self, Fetch.self, Reindex.self, Verify.self, Demo.self, Completions.self]
    )

    static func main() async {
        // One malloc arena for every thread (glibc makes one per thread that contends, each keeping its own freed
        // pages): a run's heap is small, and threads rarely allocate at the same time.
        mallopt(M_ARENA_MAX, 1)
        let run = Task { try await parseAndRun() }
        // SIGINT and SIGTERM (Ctrl-C, systemd stopping the unit) cancel the run: in-flight transfers abort,
        // their temporary files are removed, and the process exits 3 with what was archived so far.
        let signalSources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { run.cancel() }
            source.resume()
            return source
        }
        let result = await run.result
        signalSources.forEach { $0.cancel() }
        do {
            try result.get()
        } catch let error as ArchiverError {
            Terminal.printError("error: \(error)")
            Foundation.exit(error.exitCode)
        } catch let error as ConfigurationError {
            Terminal.printError("error: \(error)")
            Foundation.exit(ArchiverError.configuration(error).exitCode)
        } catch {
            // ArgumentParser uses 64 (EX_USAGE) for parse and validation errors; the contract says 2.
            if exitCode(for: error) == .validationFailure {
                Terminal.printError(fullMessage(for: error))
                Foundation.exit(2)
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
    /// Prints `message` and a newline to stderr.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
