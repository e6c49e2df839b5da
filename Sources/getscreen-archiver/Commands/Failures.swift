import ArchiverCore
import ArgumentParser

extension GetscreenArchiver {
    /// `failures`: the sessions sync keeps retrying, and acknowledging them.
    struct Failures: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the recordings that keep failing, or acknowledge them so that sync stops retrying.",
            discussion: """
                A recording that cannot be archived (its media answers 404, the API lists it without a video or \
                without an agent) does not hold the other recordings back: sync archives the rest, moves its \
                watermark on, keeps the session in the catalog and retries it alone (history/info) on each later \
                run. Until it is archived, gone from the API (then reported once, as expired at the source) or \
                acknowledged here, every sync names it after its summary ("incomplete: …") and exits 1, and the \
                metrics' getscreen_archiver_failing_sessions counts it.

                Acknowledged sessions are no longer retried, reported or counted, and sync leaves them out when \
                the API lists them again; fetch --session-id still archives one (and forgets it). Needs no API key \
                (and listing needs no S3 key pair for an archive in object storage).

                Examples:
                  getscreen-archiver failures --config /etc/getscreen-archiver/config.yaml
                  getscreen-archiver failures acknowledge --config config.yaml 10573011 10573012
                  getscreen-archiver failures acknowledge --config config.yaml --all
                """,
            subcommands: [List.self, Acknowledge.self],
            defaultSubcommand: List.self
        )
    }
}

extension GetscreenArchiver.Failures {
    /// `failures list`: one line per failing session on stdout.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the failing sessions: id, state, code, attempts, first and last failure, agent, reason.")

        @OptionGroup var archiveOptions: ArchiveOptions

        func run() async throws {
            let logger = try archiveOptions.makeLogger()
            let configuration = try archiveOptions.load(requiresBucketCredentials: false)
            let sessions = try Archiver.failingSessions(configuration: configuration, logger: logger)
            Terminal.printOutput(sessions.map { $0.listingLine + "\n" }.joined())
            let acknowledged = sessions.filter(\.isAcknowledged).count
            let failing = sessions.count - acknowledged
            Console.standardError.writeLine(
                "\(failing) failing, \(acknowledged) acknowledged"
                    + (failing > 0 ? "; acknowledge with: getscreen-archiver failures acknowledge ID… (or --all)" : ""))
        }
    }

    /// `failures acknowledge`: stop retrying and reporting some failing sessions.
    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop retrying and reporting failing sessions (all or none of those named).")

        @OptionGroup var archiveOptions: ArchiveOptions

        @Flag(help: "Acknowledge every failing session.")
        var all = false

        @Argument(help: ArgumentHelp("The session ids to acknowledge.", valueName: "session-id"))
        var sessionIDs: [Int] = []

        func validate() throws {
            if all == !sessionIDs.isEmpty {
                throw ValidationError("name the session ids to acknowledge, or give --all (not both)")
            }
        }

        func run() async throws {
            let logger = try archiveOptions.makeLogger()
            let configuration = try archiveOptions.load()
            let result = try Archiver.acknowledgeFailures(
                configuration: configuration, sessionIDs: all ? nil : Set(sessionIDs), logger: logger)
            if !result.unknown.isEmpty {
                let ids = result.unknown.map(String.init).joined(separator: ", ")
                Console.standardError.writeLine(
                    "error: not failing: session \(ids) (see getscreen-archiver failures); nothing was acknowledged")
                throw ExitCode(2)
            }
            for session in result.acknowledged {
                Console.standardError.writeLine("acknowledged: \(session.summary)")
            }
            Console.standardError.writeLine("\(result.acknowledged.count) acknowledged")
        }
    }
}
