import ArchiverCore
import ArgumentParser

extension GetscreenArchiver {
    /// `reindex`: rebuild the catalog from the sidecars.
    struct Reindex: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the catalog from the JSON sidecars in the archive.",
            discussion: """
                Reads every <recording>.json beside a recording (the session, size and SHA-256 the archiver \
                wrote) and replaces the catalog's recordings with them; the watermark of the last successful \
                sync is kept. Sidecars without a SHA-256 or that cannot be read are skipped with a warning. \
                Needs no API key. sync does this by itself when the catalog is missing.

                Examples:
                  getscreen-archiver reindex --config /etc/getscreen-archiver/config.yaml
                  getscreen-archiver reindex --archive /mnt/nas/getscreen
                """
        )

        @OptionGroup var archiveOptions: ArchiveOptions

        func run() async throws {
            let logger = try archiveOptions.makeLogger()
            let configuration = try archiveOptions.load()
            let report = try await Archiver.reindex(configuration: configuration, logger: logger)
            for skipped in report.skipped {
                Console.standardError.writeLine("skipped: \(skipped)")
            }
            Console.standardError.writeLine(report.summary)
        }
    }
}
