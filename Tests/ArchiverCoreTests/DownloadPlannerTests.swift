import Foundation
import Testing

@testable import ArchiverCore
@testable import JSON

@Suite struct DownloadPlannerTests {
    static func session(id: Int, size: Int) throws -> Session {
        try Session(
            listItem: .object([
                "id": .integer(id),
                "start": .integer(1_608_660_273),
                "agent": .object(["id": .integer(1001), "name": .string("PC")]),
                "video": .object(["url": .string("https://st.getscreen.me/\(id).mp4"), "size": .integer(size)]),
            ])
        )
    }

    @Test func sortsSessionsIntoArchivedMissingAndWrongSize() throws {
        let planner = DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc)
        let sessions = try [
            Self.session(id: 1, size: 10), Self.session(id: 2, size: 20), Self.session(id: 3, size: 30),
        ]
        let onDisk = [
            "PC-1001/2020/12/22/180433_1.mp4": 10,
            "PC-1001/2020/12/22/180433_1.json": 400,
            "PC-1001/2020/12/22/180433_3.mp4": 29,
        ]

        let plan = planner.plan(sessions) { onDisk[$0] }

        #expect(plan.archived.map(\.session.id) == [1])
        #expect(plan.missingSidecars.isEmpty)
        #expect(plan.downloads.map(\.session.id) == [2, 3])
        #expect(plan.downloads.map(\.existingWrongSize) == [nil, 29])
        #expect(plan.downloadBytes == 50)
    }

    @Test func archivedRecordingWithoutSidecarGetsItsSidecarBack() throws {
        let planner = DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc)
        let plan = planner.plan([try Self.session(id: 1, size: 10)]) { $0.hasSuffix(".mp4") ? 10 : nil }
        #expect(plan.archived.count == 1)
        #expect(plan.missingSidecars.map(\.relativePath) == ["PC-1001/2020/12/22/180433_1"])
        #expect(plan.downloads.isEmpty)
    }

    @Test(arguments: [DownloadPlan.ItemsKept.all, .work, .none])
    func archivedRecordingsTheCatalogLacksArePlannedAsUncatalogued(keeping: DownloadPlan.ItemsKept) throws {
        let planner = DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc)
        let sessions = try [
            Self.session(id: 1, size: 10), Self.session(id: 2, size: 20), Self.session(id: 3, size: 30),
            Self.session(id: 4, size: 40),
        ]
        // 1 and 2 are archived, 3 has the wrong size, 4 is missing; only 1 is catalogued.
        let onDisk = ["180433_1.mp4": 10, "180433_2.mp4": 20, "180433_3.mp4": 3]
        var plan = DownloadPlan(keeping: keeping)

        for session in sessions {
            planner.plan(
                session, into: &plan, fileSize: { onDisk[String($0.split(separator: "/").last ?? "")] },
                isCatalogued: { $0 == 1 })
        }

        #expect(plan.archivedCount == 2)
        #expect(plan.uncataloguedCount == 1)
        #expect(plan.agents[1001]?.uncatalogued == 1)
        #expect(plan.uncatalogued.map(\.session.id) == (keeping == .none ? [] : [2]))
    }

    /// A recording the catalog holds at another path (filed by a `fetch` that did not know the agent's name) is
    /// archived there while its file has the announced size; otherwise it is downloaded to the layout's path.
    @Test func aRecordingCataloguedAtAnotherPathIsArchivedThere() throws {
        let planner = DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc)
        let sessions = try [
            Self.session(id: 1, size: 10), Self.session(id: 2, size: 20), Self.session(id: 3, size: 30),
        ]
        let elsewhere = [1: "agent-1001/2020/12/22/180433_1.mp4", 2: "agent-1001/2020/12/22/180433_2.mp4"]
        // 1 is at the catalog's path with its sidecar; 2's file there has the wrong size; 3 is catalogued nowhere.
        let onDisk = [
            "agent-1001/2020/12/22/180433_1.mp4": 10, "agent-1001/2020/12/22/180433_1.json": 300,
            "agent-1001/2020/12/22/180433_2.mp4": 19,
        ]
        var plan = DownloadPlan(keeping: .all)

        for session in sessions {
            planner.plan(
                session, into: &plan, fileSize: { onDisk[$0] }, isCatalogued: { elsewhere[$0] != nil },
                cataloguedPath: { elsewhere[$0] })
        }

        #expect(plan.archived.map(\.relativePath) == ["agent-1001/2020/12/22/180433_1"])
        #expect(plan.missingSidecars.isEmpty)
        #expect(plan.uncatalogued.isEmpty)
        #expect(plan.downloads.map(\.relativePath) == ["PC-1001/2020/12/22/180433_2", "PC-1001/2020/12/22/180433_3"])
        #expect(plan.downloads.map(\.existingWrongSize) == [nil, nil])
    }
}
