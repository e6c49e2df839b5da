import FoundationEssentials

/// What the archive holds against what the API lists, per agent and in total: the answer of `sync --dry-run`.
///
/// Pure: built from the listing, the planner's verdict on each listed recording, the catalog's recordings in the
/// same window and the free space of the archive's file system, so that every number is unit-tested without I/O.
public struct StorageAudit: Sendable, Equatable, Codable {
    /// A number of recordings and the bytes they add up to.
    struct Tally: Sendable, Equatable, Codable {
        var count: Int
        var bytes: Int

        /// Creates a tally.
        init(count: Int = 0, bytes: Int = 0) {
            self.count = count
            self.bytes = bytes
        }

        /// Counts one more recording of `bytes`.
        mutating func add(_ bytes: Int) {
            count += 1
            self.bytes += bytes
        }

        static func + (lhs: Tally, rhs: Tally) -> Tally {
            Tally(count: lhs.count + rhs.count, bytes: lhs.bytes + rhs.bytes)
        }
    }

    /// The counts of one agent, or of the whole audit (`agentID` and `agentName` nil).
    struct Row: Sendable, Equatable, Codable {
        /// The agent; nil in the total.
        var agentID: Int?
        /// The agent's name as last listed (or as catalogued, when the API no longer lists it); nil in the total.
        var agentName: String?
        /// Recordings the API lists in the window (usable items only), with their announced sizes.
        var listed = Tally()
        /// Listed recordings whose file is present with exactly the announced size: nothing to do.
        var archived = Tally()
        /// Listed recordings with no file at their path: a run downloads them.
        var missing = Tally()
        /// Listed recordings whose file has another size: a run downloads them again (announced sizes) and moves
        /// the old file aside, never deleting it.
        var wrongSize = Tally()
        /// The sizes of the wrong-sized files that a run would move aside.
        var wrongSizeFoundBytes = 0
        /// `missing` plus `wrongSize`: what a run downloads.
        var wouldDownload = Tally()
        /// Catalogued recordings in the window that the API no longer lists (expired at the source): kept.
        var noLongerListed = Tally()
        /// Archived recordings whose JSON sidecar is missing: a run writes it again without fetching anything.
        var missingSidecars = 0
        /// Archived recordings the catalog lacks (a run stopped between publishing and cataloguing them): a run
        /// catalogues each whose SHA-256 matches its sidecar, without fetching anything.
        var notCatalogued = 0

        /// Creates an empty row.
        init(agentID: Int? = nil, agentName: String? = nil) {
            self.agentID = agentID
            self.agentName = agentName
        }

        mutating func accumulate(_ other: Row) {
            listed = listed + other.listed
            archived = archived + other.archived
            missing = missing + other.missing
            wrongSize = wrongSize + other.wrongSize
            wrongSizeFoundBytes += other.wrongSizeFoundBytes
            wouldDownload = wouldDownload + other.wouldDownload
            noLongerListed = noLongerListed + other.noLongerListed
            missingSidecars += other.missingSidecars
            notCatalogued += other.notCatalogued
        }

        enum CodingKeys: String, CodingKey {
            case agentID = "agent_id"
            case agentName = "agent_name"
            case listed, archived, missing
            case wrongSize = "wrong_size"
            case wrongSizeFoundBytes = "wrong_size_found_bytes"
            case wouldDownload = "would_download"
            case noLongerListed = "no_longer_listed"
            case missingSidecars = "missing_sidecars"
            case notCatalogued = "not_catalogued"
        }
    }

    /// The free space of the archive's file system against what a run needs.
    struct Space: Sendable, Equatable, Codable {
        /// Bytes available to the tool on the archive's file system.
        var freeBytes: Int
        /// Bytes a run downloads (each recording is written once: wrong-sized files are moved, not copied).
        var neededBytes: Int
        /// Bytes to keep free beyond the downloads (`archive.min_free`).
        var minimumFreeBytes: Int
        /// Whether `freeBytes` is `archive.assume_free`, the file system reporting no figures of its own.
        var isAssumed = false

        /// Creates a space check.
        init(freeBytes: Int, neededBytes: Int, minimumFreeBytes: Int) {
            self.freeBytes = freeBytes
            self.neededBytes = neededBytes
            self.minimumFreeBytes = minimumFreeBytes
        }

        /// Free bytes once the run has downloaded everything (negative when it cannot).
        var freeAfterBytes: Int { freeBytes - neededBytes }
        /// Whether the downloads fit and leave `minimumFreeBytes` free.
        var fits: Bool { freeAfterBytes >= minimumFreeBytes }

        enum CodingKeys: String, CodingKey {
            case freeBytes = "free_bytes"
            case neededBytes = "needed_bytes"
            case minimumFreeBytes = "minimum_free_bytes"
            case freeAfterBytes = "free_after_bytes"
            case fits
            case isAssumed = "assumed"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            freeBytes = try container.decode(Int.self, forKey: .freeBytes)
            neededBytes = try container.decode(Int.self, forKey: .neededBytes)
            minimumFreeBytes = try container.decode(Int.self, forKey: .minimumFreeBytes)
            isAssumed = try container.decodeIfPresent(Bool.self, forKey: .isAssumed) ?? false
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(freeBytes, forKey: .freeBytes)
            try container.encode(neededBytes, forKey: .neededBytes)
            try container.encode(minimumFreeBytes, forKey: .minimumFreeBytes)
            try container.encode(freeAfterBytes, forKey: .freeAfterBytes)
            try container.encode(fits, forKey: .fits)
            try container.encode(isAssumed, forKey: .isAssumed)
        }
    }

    /// A recording the catalog holds, as the audit needs it.
    struct CataloguedRecording: Sendable, Equatable {
        var sessionID: Int
        var agentID: Int
        var agentName: String
        var sizeBytes: Int

        /// Creates a catalogued recording.
        init(sessionID: Int, agentID: Int, agentName: String, sizeBytes: Int) {
            self.sessionID = sessionID
            self.agentID = agentID
            self.agentName = agentName
            self.sizeBytes = sizeBytes
        }
    }

    /// The archive root audited.
    var archiveRoot: String?
    /// The window's start, the listing's `date_from`; nil for the whole history.
    var dateFrom: Date?
    /// The window's end, the listing's `date_to`.
    var dateTo: Date?
    /// One row per agent, ordered by agent name, then id.
    var agents: [Row]
    /// The sum of the agents' rows.
    var total: Row
    /// Listed items the API answered that cannot be archived (no id, no size, …); not in any row.
    var unusableItems: Int
    /// The free-space check; nil when the file system's free space could not be read or is not reported.
    var space: Space?
    /// Whether the file system reports no free space figures (and no `archive.assume_free` is set).
    var isSpaceUnreported = false
    /// Whether the archive is in object storage, which has no free space to check.
    var isInObjectStorage = false

    /// Audits the listing against the archive.
    /// - Parameters:
    ///   - plan: the planner's verdict on the listed sessions (archived with the right size, or to download, with
    ///     the size of a wrong-sized file found at the path); its counts are enough.
    ///   - unusableItems: listed items that are not usable sessions.
    ///   - notListed: the catalog's recordings whose session lies wholly in the same window (so that the listing
    ///     includes it whatever the API's date filter means) and that the listing did not include (neither as a
    ///     session nor as an unusable item), each once.
    ///   - agentIDs: the run's agent filter (empty for all); catalogued recordings of other agents are ignored.
    ///   - freeSpace: the archive file system's space; nil when it could not be read.
    ///   - minimumFreeBytes: the bytes to keep free (`archive.min_free`).
    init(
        plan: DownloadPlan,
        unusableItems: [InvalidSessionItem],
        notListed: [CataloguedRecording],
        agentIDs: [Int],
        freeSpace: FileSystemSpace?,
        minimumFreeBytes: Int
    ) {
        var rows: [Int: Row] = [:]
        for counts in plan.agents.values {
            var row = Row(agentID: counts.agentID, agentName: counts.agentName)
            row.listed = counts.listed
            row.archived = counts.archived
            row.missing = counts.missing
            row.wrongSize = counts.wrongSize
            row.wrongSizeFoundBytes = counts.wrongSizeFoundBytes
            row.wouldDownload = counts.toDownload
            row.missingSidecars = counts.missingSidecars
            row.notCatalogued = counts.uncatalogued
            rows[counts.agentID] = row
        }
        let agentFilter = Set(agentIDs)
        for recording in notListed where agentFilter.isEmpty || agentFilter.contains(recording.agentID) {
            rows[recording.agentID, default: Row(agentID: recording.agentID, agentName: recording.agentName)]
                .noLongerListed.add(recording.sizeBytes)
        }
        agents = rows.values.sorted {
            ($0.agentName ?? "", $0.agentID ?? 0) < ($1.agentName ?? "", $1.agentID ?? 0)
        }
        var total = Row()
        for row in agents { total.accumulate(row) }
        self.total = total
        self.unusableItems = unusableItems.count
        space = freeSpace?.freeBytes.map {
            var space = Space(freeBytes: $0, neededBytes: total.wouldDownload.bytes, minimumFreeBytes: minimumFreeBytes)
            if case .assumed = freeSpace { space.isAssumed = true }
            return space
        }
        isSpaceUnreported = freeSpace == .unreported
    }

    enum CodingKeys: String, CodingKey {
        case agents, total, space
        case unusableItems = "unusable_items"
        case archiveRoot = "archive_root"
        case dateFrom = "date_from"
        case dateTo = "date_to"
    }
}
