import Foundation
import Testing

@testable import ArchiverCore
@testable import JSON

/// The audit's arithmetic and its table, without I/O.
@Suite struct StorageAuditTests {
    static func session(id: Int, agent: Int, name: String, size: Int) throws -> Session {
        try Session(
            listItem: .object([
                "id": .integer(id),
                "start": .integer(1_608_660_273 + id),
                "agent": .object(["id": .integer(agent), "name": .string(name)]),
                "video": .object(["url": .string("https://st.getscreen.me/\(id).mp4"), "size": .integer(size)]),
            ])
        )
    }

    /// Agent 1 "PC": 1 archived (100 B), 2 missing (200 B), 3 wrong size (300 B, 7 B on disk), expired 9 (900 B);
    /// agent 2 "Laptop": 4 archived without sidecar (400 B), expired 8 (800 B); agent 3 is filtered out.
    static func sample(agentIDs: [Int] = [], freeBytes: Int? = 10_000, minimumFree: Int = 1_000) throws -> StorageAudit
    {
        let sessions = try [
            session(id: 1, agent: 1, name: "PC", size: 100),
            session(id: 2, agent: 1, name: "PC", size: 200),
            session(id: 3, agent: 1, name: "PC", size: 300),
            session(id: 4, agent: 2, name: "Laptop", size: 400),
        ]
        let planner = DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc)
        let paths = Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, planner.relativePath(for: $0)) })
        let onDisk = [
            "\(paths[1]!).mp4": 100, "\(paths[1]!).json": 1, "\(paths[3]!).mp4": 7, "\(paths[3]!).json": 1,
            "\(paths[4]!).mp4": 400,
        ]
        // Planned as a dry run plans a listing: page by page, keeping counts only.
        var listing = PlannedListing(
            planner: planner,
            plan: DownloadPlan(keeping: .none),
            fileSize: { onDisk[$0] },
            catalogued: [
                .init(sessionID: 1, agentID: 1, agentName: "PC", sizeBytes: 100),
                .init(sessionID: 5, agentID: 1, agentName: "PC", sizeBytes: 500),
                .init(sessionID: 9, agentID: 1, agentName: "PC", sizeBytes: 900),
                .init(sessionID: 8, agentID: 2, agentName: "Laptop", sizeBytes: 800),
                .init(sessionID: 7, agentID: 3, agentName: "Old", sizeBytes: 700),
                .init(sessionID: 9, agentID: 1, agentName: "PC", sizeBytes: 900),
            ]
        )
        for session in sessions { listing.add(session) }
        listing.add(InvalidSessionItem(sessionID: 5, reason: "missing video.size"))
        #expect(listing.plan.downloads.isEmpty && listing.plan.archived.isEmpty)
        return StorageAudit(
            plan: listing.plan,
            unusableItems: listing.invalidItems,
            notListed: listing.notListed,
            agentIDs: agentIDs,
            freeSpace: freeBytes.map { .measured($0) },
            minimumFreeBytes: minimumFree
        )
    }

    @Test func countsEachCategoryPerAgentAndInTotal() throws {
        let audit = try Self.sample(agentIDs: [1, 2])

        #expect(audit.agents.map(\.agentName) == ["Laptop", "PC"])
        let pc = try #require(audit.agents.first { $0.agentID == 1 })
        #expect(pc.listed == .init(count: 3, bytes: 600))
        #expect(pc.archived == .init(count: 1, bytes: 100))
        #expect(pc.missing == .init(count: 1, bytes: 200))
        #expect(pc.wrongSize == .init(count: 1, bytes: 300))
        #expect(pc.wrongSizeFoundBytes == 7)
        #expect(pc.wouldDownload == .init(count: 2, bytes: 500))
        // Session 5 is listed (though unusable), so it is not "no longer listed"; 9, catalogued twice, counts once.
        #expect(pc.noLongerListed == .init(count: 1, bytes: 900))
        let laptop = try #require(audit.agents.first { $0.agentID == 2 })
        #expect(laptop.archived == .init(count: 1, bytes: 400))
        #expect(laptop.missingSidecars == 1)
        #expect(laptop.noLongerListed == .init(count: 1, bytes: 800))

        #expect(audit.total.agentID == nil)
        #expect(audit.total.listed == .init(count: 4, bytes: 1_000))
        #expect(audit.total.archived == .init(count: 2, bytes: 500))
        #expect(audit.total.wouldDownload == .init(count: 2, bytes: 500))
        #expect(audit.total.noLongerListed == .init(count: 2, bytes: 1_700))
        #expect(audit.unusableItems == 1)
    }

    @Test func withoutAnAgentFilterEveryCataloguedAgentCounts() throws {
        let audit = try Self.sample()
        #expect(audit.agents.map(\.agentName) == ["Laptop", "Old", "PC"])
        #expect(audit.total.noLongerListed == .init(count: 3, bytes: 2_400))
    }

    @Test(arguments: [
        (10_000, 1_000, true, "fits, 9.3 KiB free after"),
        (1_499, 1_000, false, "does not fit: needs 1.5 KiB, 1.5 KiB free"),
        (1_500, 1_000, true, "fits, 1000 B free after"),
        (400, 0, false, "does not fit: needs 500 B, 400 B free"),
    ])
    func comparesFreeSpaceWithTheDownloadsAndTheMinimum(free: Int, minimum: Int, fits: Bool, verdict: String) throws {
        let audit = try Self.sample(agentIDs: [1, 2], freeBytes: free, minimumFree: minimum)
        let space = try #require(audit.space)
        #expect(space.neededBytes == 500)
        #expect(space.fits == fits)
        #expect(audit.verdict() == verdict)
    }

    @Test func exactBytesVerdictNamesBytes() throws {
        let audit = try Self.sample(agentIDs: [1, 2], freeBytes: 1_400, minimumFree: 1_000)
        #expect(audit.verdict(exactBytes: true) == "does not fit: needs 1500 bytes, 1400 bytes free")
    }

    @Test func tableAlignsEveryColumnAndEndsWithTheVerdict() throws {
        let table = try Self.sample(agentIDs: [1, 2]).table()
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("agent"))
        #expect(lines[0].hasSuffix("no longer listed"))
        #expect(lines[1].hasPrefix("Laptop (2)"))
        #expect(lines[2].hasPrefix("PC (1)"))
        #expect(lines[3].allSatisfy { $0 == "-" })
        #expect(lines[4].hasPrefix("total"))
        // Aligned: every table line is as long as the header, and the columns end at the same places.
        for line in lines[0...4] where !line.allSatisfy({ $0 == "-" }) {
            #expect(line.count == lines[0].count, "\(line)")
        }
        #expect(lines[4].hasSuffix("2  1.7 KiB"))
        #expect(lines[2].contains("1  200 B"))
        #expect(table.contains("would download 2 recordings (500 B): 1 missing, 1 with the wrong size"))
        #expect(table.contains("the wrong-sized files (7 B) would be moved aside"))
        #expect(table.contains("2 archived recordings (1.7 KiB) no longer listed by the API: kept"))
        #expect(table.contains("would rewrite 1 missing .json sidecars"))
        #expect(table.contains("1 listed items are unusable"))
        #expect(lines.last { !$0.isEmpty }?.hasPrefix("free space: fits, 9.3 KiB free after") == true)
    }

    @Test func headingNamesTheArchiveAndTheWindow() throws {
        var audit = try Self.sample()
        audit.archiveRoot = "/mnt/nas/rec"
        audit.dateFrom = Date(timeIntervalSince1970: 1_777_593_600)
        audit.dateTo = Date(timeIntervalSince1970: 1_779_676_200)
        #expect(
            audit.table().hasPrefix(
                "archive /mnt/nas/rec; sessions listed from 2026-05-01T00:00:00Z up to 2026-05-25T02:30:00Z\n\nagent"
            ))
        audit.dateFrom = nil
        #expect(audit.table().contains("sessions of all history up to 2026-05-25T02:30:00Z"))
    }

    @Test func exactBytesTablePrintsIntegers() throws {
        let table = try Self.sample(agentIDs: [1, 2]).table(exactBytes: true)
        #expect(table.contains("1700"))
        #expect(!table.contains("KiB"))
        #expect(table.contains("would download 2 recordings (500 bytes)"))
    }

    @Test func emptyArchiveAndUnknownSpace() throws {
        let audit = StorageAudit(
            plan: DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc).plan([]) { _ in nil },
            unusableItems: [], notListed: [], agentIDs: [], freeSpace: nil, minimumFreeBytes: 0)
        #expect(audit.agents.isEmpty)
        #expect(audit.space == nil)
        let table = audit.table()
        #expect(table.contains("nothing to download"))
        #expect(table.contains("free space: unknown"))
    }

    @Test func encodesSnakeCaseJSON() throws {
        let data = try JSONEncoder().encode(try Self.sample(agentIDs: [1, 2]))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let total = try #require(json["total"] as? [String: Any])
        #expect((total["would_download"] as? [String: Any])?["bytes"] as? Int == 500)
        #expect((total["no_longer_listed"] as? [String: Any])?["count"] as? Int == 2)
        #expect(total["agent_id"] == nil)
        let agents = try #require(json["agents"] as? [[String: Any]])
        #expect(agents.first?["agent_name"] as? String == "Laptop")
        let space = try #require(json["space"] as? [String: Any])
        #expect(space["fits"] as? Bool == true)
        #expect(space["free_after_bytes"] as? Int == 9_500)
        #expect(json["unusable_items"] as? Int == 1)
    }
}
