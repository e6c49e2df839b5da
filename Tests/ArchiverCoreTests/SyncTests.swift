import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore

/// `Archiver.sync` end to end: real libcurl transfers against the simulator on loopback, real files.
@Suite struct SyncTests {
    let logger = Logger(label: "test")

    /// The archive's own files, leaving out the tool's state folder (lock holder, catalog).
    func archiveSnapshot(_ entries: Set<TreeEntry>) -> Set<TreeEntry> {
        entries.filter { !$0.relativePath.hasPrefix(".getscreen-archiver") }
    }

    func archiveSnapshot(of root: String) -> Set<TreeEntry> {
        archiveSnapshot(treeSnapshot(of: root))
    }

    static func smallDataset(count: Int, seed: UInt64 = 7) -> SimulatorDataset {
        .seeded(seed: seed, sessionCount: count, agentCount: 3, sizeRange: 1_000...12_000)
    }

    @Test func pagesThroughThreePagesAndFilesEveryRecordingWithItsBytes() async throws {
        try await withSimulator(dataset: Self.smallDataset(count: 230)) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.listed == 230)
            #expect(report.downloaded == 230)
            #expect(report.failures.isEmpty)
            #expect(report.bytesDownloaded == fixture.dataset.sessions.reduce(0) { $0 + $1.videoSize })
            // And one more to see the list end: a short last page is not trusted to be the end.
            #expect(fixture.simulator.counters.listRequests == 4)
            for session in fixture.dataset.sessions {
                let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
                let sidecarPath = String(path.dropLast(4)) + ".json"
                let sidecar =
                    try JSONSerialization.jsonObject(with: Data(contents(of: sidecarPath) ?? [])) as? [String: Any]
                let listed = sidecar?["session"] as? [String: Any]
                #expect(listed?["id"] as? Int == session.id)
            }
            #expect(files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: "").isEmpty)
        }
    }

    @Test(arguments: [1, 40, 99])
    func followsTheServersCappedPageSize(cap: Int) async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = cap
        try await withSimulator(dataset: Self.smallDataset(count: 120), faults: faults) { fixture in
            let report = try await Archiver.audit(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.listed == 120)
            #expect(report.wouldDownload == 120)
            // Each page after the first repeats `overlap` items of the one before (pagination drift), and one more
            // page shows the list's end (empty, or only the overlap).
            let overlap = ListingPager.overlap(forPageOf: cap)
            let expectedPages = 1 + (max(0, 120 - cap) + (cap - overlap) - 1) / (cap - overlap)
            #expect(fixture.simulator.counters.listRequests == expectedPages + 1)
        }
    }

    @Test func rerunDownloadsNothingAndKeepsSidecars() async throws {
        try await withSimulator(dataset: Self.smallDataset(count: 12)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let before = treeSnapshot(of: fixture.root)
            fixture.simulator.resetCounters()

            // --full: the dataset lies months before the first run's watermark, which an incremental run skips.
            let report = try await Archiver.sync(
                configuration: configuration, options: SyncOptions(isFullWalk: true), logger: logger)

            #expect(report.downloaded == 0)
            #expect(report.skipped == 12)
            #expect(fixture.simulator.counters.mediaRequests == 0)
            #expect(archiveSnapshot(of: fixture.root) == archiveSnapshot(before))
        }
    }

    @Test func dryRunWritesNothingAndFetchesNoMedia() async throws {
        try await withSimulator(dataset: Self.smallDataset(count: 15)) { fixture in
            let report = try await Archiver.audit(
                configuration: fixture.configuration(),
                options: SyncOptions(),
                logger: logger
            )

            #expect(report.isDryRun)
            #expect(report.wouldDownload == 15)
            #expect(report.wouldDownloadBytes == fixture.dataset.sessions.reduce(0) { $0 + $1.videoSize })
            #expect(report.downloaded == 0)
            #expect(treeSnapshot(of: fixture.root).isEmpty)
            #expect(fixture.simulator.counters.mediaRequests == 0)
            // The page and the one that shows the list's end.
            #expect(fixture.simulator.counters.listRequests == 2)
        }
    }

    @Test func recordingWithWrongBodyLengthIsNotFiledAndTheRestIs() async throws {
        let dataset = Self.smallDataset(count: 6)
        let broken = dataset.sessions[2]
        var faults = SimulatorFaults()
        faults.servedSizeOverrides = [broken.id: broken.videoSize - 100]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.exitCode == 1)
            #expect(report.downloaded == 5)
            let failure = try #require(report.failures.first)
            #expect(failure.sessionID == broken.id)
            #expect(failure.code == .sizeMismatch)
            #expect(failure.reason == "size mismatch: got \(broken.videoSize - 100), expected \(broken.videoSize)")
            #expect(
                !FileManager.default.fileExists(atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: broken))"))
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == 5)
            #expect(files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: "").isEmpty)
        }
    }

    @Test func failedMediaRequestFailsOnlyThatRecording() async throws {
        let dataset = Self.smallDataset(count: 4)
        var faults = SimulatorFaults()
        faults.mediaStatusOverrides = [dataset.sessions[0].id: 404]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 3)
            #expect(report.failures.map(\.code) == [.http(status: 404)])
            #expect(report.failures.first?.reason.contains(SimulatorFixture.apiKey) == false)
        }
    }

    @Test func listRequestsCarryTheKeyInTheHeaderAndMediaOnlyInTheQuery() async throws {
        try await withSimulator(dataset: Self.smallDataset(count: 5)) { fixture in
            _ = try await Archiver.sync(configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            let requests = fixture.simulator.counters.requests
            let listRequests = requests.filter { $0.path.hasSuffix("/history/list") }
            let mediaRequests = requests.filter { $0.path.hasSuffix(".mp4") }
            // The page, and the empty one that shows the list's end.
            #expect(listRequests.count == 2)
            #expect(mediaRequests.count == 5)
            for request in listRequests {
                #expect(request.headers["x-api-key"] == SimulatorFixture.apiKey)
                #expect(request.query["apikey"] == nil)
                #expect(request.query["video"] == "true")
                #expect(request.query["limit"] == "100")
                #expect(request.query["date_to"] != nil)
            }
            for request in mediaRequests {
                #expect(request.headers["x-api-key"] == nil)
                #expect(request.query["apikey"] == SimulatorFixture.apiKey)
            }
        }
    }

    @Test func hostileAgentNamesStayUnderTheRootAndKeepTheAgentID() async throws {
        let names = [
            "../../x", "a/b", "..", ".", "ctl\u{1}\u{7f}\nname", String(repeating: "A", count: 300), "back\\slash",
            "nul\u{0}byte",
        ]
        let sessions = names.enumerated().map { index, name in
            SimulatedSession(
                id: 5000 + index,
                uid: "uid-\(index)",
                start: 1_780_000_000 - index * 3600,
                stop: 1_780_000_100 - index * 3600,
                agent: SimulatedAgent(id: 900 + index, name: name),
                videoSize: 2_000 + index
            )
        }
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions)) { fixture in
            let outside = Set(try FileManager.default.contentsOfDirectory(atPath: fixture.workspace.path))

            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.downloaded == names.count)
            // Beside the root, only the catalog's state folder is new.
            let stateHome = URL(fileURLWithPath: ArchiverProcess.stateHome(in: fixture.workspace.path))
                .lastPathComponent
            #expect(
                Set(try FileManager.default.contentsOfDirectory(atPath: fixture.workspace.path))
                    == outside.union([stateHome]))
            let recordings = files(under: fixture.root, withSuffix: ".mp4")
            #expect(recordings.count == names.count)
            let realRoot = URL(fileURLWithPath: fixture.root).resolvingSymlinksInPath().path
            for session in sessions {
                let path = try #require(recordings.first { $0.hasSuffix("_\(session.id).mp4") })
                let topFolder = String(path.split(separator: "/").first ?? "")
                #expect(topFolder.hasSuffix("-\(session.agent.id)"), "\(topFolder)")
                #expect(topFolder.utf8.count <= 200)
                #expect(!topFolder.hasPrefix("."))
                #expect(!path.unicodeScalars.contains { $0.properties.generalCategory == .control })
                let resolved = URL(fileURLWithPath: "\(fixture.root)/\(path)").resolvingSymlinksInPath().path
                #expect(resolved.hasPrefix(realRoot + "/"))
                #expect(contents(of: "\(fixture.root)/\(path)") == expectedBytes(of: session))
            }
        }
    }

    @Test func concurrencyBoundIsRespectedAndReached() async throws {
        var faults = SimulatorFaults()
        // About 0.4 s per recording, so transfers overlap whatever the machine's load.
        faults.mediaBytesPerSecond = 20_000
        let sessions = (0..<9).map { index in
            SimulatedSession(
                id: 7000 + index, uid: "c\(index)", start: 1_780_000_000 - index * 60, stop: 1_780_000_030 - index * 60,
                agent: SimulatedAgent(id: 42, name: "PC"), videoSize: 8_000
            )
        }
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(transfers: 3), options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 9)
            #expect(fixture.simulator.counters.maxConcurrentMediaResponses == 3)
            #expect(
                fixture.simulator.counters.connectionsAccepted <= 4, "one list connection plus one per transfer slot")
        }
    }

    @Test func onlyTheSelectedAgentsAreListed() async throws {
        let dataset = Self.smallDataset(count: 30)
        let agents = Array(Set(dataset.sessions.map(\.agent.id))).sorted()
        try await withSimulator(dataset: dataset) { fixture in
            let report = try await Archiver.audit(
                configuration: fixture.configuration(),
                options: SyncOptions(agentIDs: [agents[0], agents[1]]),
                logger: logger
            )

            #expect(
                report.listed == dataset.sessions.filter { $0.agent.id == agents[0] || $0.agent.id == agents[1] }.count)
            let requested = fixture.simulator.counters.requests.compactMap { $0.query["agent_id"] }
            #expect(Set(requested) == [String(agents[0]), String(agents[1])])
        }
    }

    @Test func untrustedMediaHostNeverReceivesTheKey() async throws {
        try await withSimulator(dataset: Self.smallDataset(count: 3)) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(mediaHosts: ["*.getscreen.me"]),
                options: SyncOptions(),
                logger: logger
            )

            #expect(report.failures.map(\.code) == Array(repeating: .untrustedMediaHost, count: 3))
            #expect(fixture.simulator.counters.mediaRequests == 0)
        }
    }

    @Test(arguments: [(403, "key"), (401, "key"), (402, "limit")])
    func rejectedKeyOrExhaustedPlanStopsTheRunBeforeWriting(status: Int, kind: String) async throws {
        var faults = SimulatorFaults()
        faults.apiStatusOverride = status
        try await withSimulator(dataset: Self.smallDataset(count: 3), faults: faults) { fixture in
            await #expect {
                _ = try await Archiver.sync(
                    configuration: fixture.configuration(), options: SyncOptions(), logger: logger)
            } throws: { error in
                switch (error as? ArchiverError, kind) {
                case (.apiKeyRejected(let answered, let message)?, "key"): answered == status && message != nil
                case (.requestLimitExceeded(let message)?, "limit"): message == "payment required"
                default: false
                }
            }
            #expect(treeSnapshot(of: fixture.root).isEmpty)
        }
    }

    @Test func missingArchiveRootIsNeverCreated() async throws {
        try await withSimulator(dataset: Self.smallDataset(count: 2)) { fixture in
            var configuration = try fixture.configuration()
            configuration.archiveRoot = "\(fixture.workspace.path)/not-mounted"

            await #expect(throws: ArchiverError.self) {
                _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            }
            #expect(!FileManager.default.fileExists(atPath: configuration.archiveRoot))
            #expect(fixture.simulator.counters.listRequests == 0)
        }
    }

    @Test func unreachableAPIStopsTheRun() async throws {
        try await withSimulator(dataset: Self.smallDataset(count: 2)) { fixture in
            let refusing = try RefusingPort()
            defer { refusing.release() }
            var configuration = try fixture.configuration()
            configuration.apiBaseURL = URL(string: "http://127.0.0.1:\(refusing.port)/v1")!

            await #expect {
                _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            } throws: { error in
                if case .apiUnreachable? = error as? ArchiverError { return true }
                return false
            }
            #expect(treeSnapshot(of: fixture.root).isEmpty)
        }
    }
}
