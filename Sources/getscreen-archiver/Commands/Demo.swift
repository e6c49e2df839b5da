import ArchiverCore
import ArgumentParser
import FoundationEssentials
import Logging

extension GetscreenArchiver {
    /// `demo`: a real sync against the project's simulator of the Getscreen API (`getscreen-simulator`).
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a real sync against the project's API simulator and show the archive it made.",
            discussion: """
                Starts the Getscreen API simulator (getscreen-simulator, built beside this binary, or in \
                ../lib/getscreen-archiver/ from its folder as the Debian package installs it) on a free \
                loopback port, syncs its recordings into DIR \
                (default: a new folder under the current directory) with real HTTP transfers, prints the \
                archive tree and the summary, then syncs again to show that nothing is downloaded twice.

                Example:
                  getscreen-archiver demo --dir /tmp/getscreen-demo
                """
        )

        @Option(help: ArgumentHelp("The folder to archive into; created if missing.", valueName: "dir"))
        var dir: String?

        @Flag(name: .shortAndLong, help: "Log each recording as it is archived.")
        var verbose = false

        func run() async throws {
            let root = try prepareRoot()
            let key = "demo-" + UUID().uuidString
            // Small pages, so that the demo pages through the listing as a real account's history would.
            let simulator: DemoSimulator
            do {
                simulator = try DemoSimulator(key: key, sessions: 12, agents: 3, pageLimit: 5)
            } catch {
                Terminal.printError("error: \(error)")
                throw ExitCode(3)  // could not run
            }
            defer { simulator.stop() }
            let logger = try OutputOptions.makeLogger(level: verbose ? .debug : .warning, logFile: nil)
            let configuration = ArchiverConfiguration(
                apiBaseURL: simulator.baseURL,
                apiKey: APIKey(key)!,
                archiveRoot: root,
                transfers: 4,
                mediaHosts: [try HostPattern("127.0.0.1")],
                allowInsecureHTTP: true,
                // The demo's folder holds everything it makes, its catalog included.
                stateDirectory: "\(root)/\(ArchiveRoot.stateFolderName)"
            )
            print("Simulated Getscreen API at \(simulator.baseURL.absoluteString); archiving into \(root)\n")
            let first = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            print(ArchiveTree.render(root: root))
            print("first sync:  \(first.summary)")
            // --full: an incremental rerun would only list the last days, and the demo's data is older.
            let second = try await Archiver.sync(
                configuration: configuration, options: SyncOptions(isFullWalk: true), logger: logger)
            print("second sync: \(second.summary)")
            if first.exitCode != 0 { throw ExitCode(first.exitCode) }
        }

        /// The demo's archive root: `--dir`, created if missing, or a new folder under the current directory.
        private func prepareRoot() throws -> String {
            let path = dir ?? "getscreen-demo-\(Int(Date().timeIntervalSince1970))"
            let url = URL(fileURLWithPath: path).standardizedFileURL
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url.path
        }
    }
}
