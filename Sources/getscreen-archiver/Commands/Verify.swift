import ArchiverCore
import ArgumentParser

extension GetscreenArchiver {
    /// `verify`: re-read archived recordings and check them against the catalog.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the archived recordings' sizes and SHA-256 against the catalog.",
            discussion: """
                Re-reads each recording in large sequential blocks and reports those that are missing, \
                truncated (size differs) or corrupted (SHA-256 differs), and every .mp4 file in the archive \
                that the catalog lacks (a run stopped between filing it and cataloguing it; a sync checks and \
                catalogues it). Writes nothing to the archive and needs no API key. Exits 1 when any recording \
                is damaged or not catalogued, 0 otherwise.

                Examples:
                  getscreen-archiver verify --config /etc/getscreen-archiver/config.yaml
                  getscreen-archiver verify --config config.yaml --sample 50 --report verify.json
                """
        )

        @OptionGroup var archiveOptions: ArchiveOptions

        @Option(help: ArgumentHelp("Check N random recordings instead of all.", valueName: "n"))
        var sample: Int?

        @Option(
            help: ArgumentHelp(
                "Write the result as JSON to this file: checked, ok, missing, truncated, corrupted, not_catalogued.",
                valueName: "file"))
        var report: String?

        func validate() throws {
            if let sample, sample < 1 { throw ValidationError("--sample must be at least 1 (got \(sample))") }
        }

        func run() async throws {
            let logger = try archiveOptions.makeLogger()
            let configuration = try archiveOptions.load()
            let console = Console.standardError
            let showsProgress = console.isTerminal && !archiveOptions.quiet
            let result = try Archiver.verify(
                configuration: configuration,
                sample: sample,
                progress: { progress in if showsProgress { console.showStatus(progress.line) } },
                logger: logger
            )
            console.clearStatus()
            if let report { try result.write(toFile: report) }
            for problem in result.missing { console.writeLine("missing: \(problem)") }
            for problem in result.truncated { console.writeLine("truncated: \(problem)") }
            for problem in result.corrupted { console.writeLine("corrupted: \(problem)") }
            for file in result.notCatalogued { console.writeLine("not catalogued: \(file)") }
            console.writeLine(result.summary)
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }
}
