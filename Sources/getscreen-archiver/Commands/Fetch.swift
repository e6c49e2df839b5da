import ArchiverCore
import ArgumentParser
import FoundationEssentials

extension GetscreenArchiver {
    /// `fetch`: archive one session, found through history/info.
    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive the recording of one session.",
            discussion: """
                Looks the session up with history/info and files its recording where sync would, with the \
                same checks (size, SHA-256, atomic rename), progress line, log and summary as sync.

                Examples:
                  getscreen-archiver fetch --config config.yaml --session-id 10573011
                  getscreen-archiver fetch --config config.yaml --session-uid 17542170487lJDSVaYc
                  getscreen-archiver fetch --config config.yaml --session-id 10573011 \\
                    --format json > fetched.json
                """
        )

        @OptionGroup var configurationOptions: ConfigurationOptions
        @OptionGroup var outputOptions: OutputOptions

        @Option(help: ArgumentHelp("The session's numeric id.", valueName: "n"))
        var sessionID: Int?

        @Option(help: ArgumentHelp("The session's unique id.", valueName: "uid"))
        var sessionUID: String?

        func validate() throws {
            switch (sessionID, sessionUID) {
            case (nil, nil): throw ValidationError("give --session-id or --session-uid")
            case (.some, .some): throw ValidationError("give --session-id or --session-uid, not both")
            case (.some(let id), nil) where id <= 0: throw ValidationError("--session-id must be positive (got \(id))")
            case (nil, .some(let uid)) where uid.isEmpty: throw ValidationError("--session-uid must not be empty")
            default: break
            }
        }

        func run() async throws {
            let startedAt = Date()
            if let reportPath = outputOptions.report {
                FinalWords.register { error in
                    FailedRun.writeReport(of: error, command: "fetch", startedAt: startedAt, to: reportPath)
                }
            }
            let report: RunReport
            do {
                report = try await fetch()
            } catch {
                outputOptions.reportFailure(error, command: "fetch", startedAt: startedAt)
                throw error
            }
            try outputOptions.finish(with: report)
        }

        /// The fetch, with the live progress line on a terminal.
        private func fetch() async throws -> RunReport {
            let logger = try outputOptions.makeLogger()
            let configuration = try configurationOptions.load()
            let reference: SessionReference = sessionID.map { .id($0) } ?? .uid(sessionUID ?? "")
            let display = outputOptions.makeProgressDisplay()
            defer { display?.stop() }
            return try await Archiver.fetch(
                configuration: configuration, session: reference, progress: display ?? NoProgressObserver(),
                logger: logger)
        }
    }
}
