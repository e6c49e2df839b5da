/// What a run has to do for the listed recordings, decided before any byte moves.
///
/// Built one session at a time (`DownloadPlanner.plan(_:into:fileSize:)`): the per-agent counts cover every
/// planned session, while the items kept are only those the run needs (`ItemsKept`), so that planning a listing
/// of 100,000 sessions need not hold them.
struct DownloadPlan: Sendable {
    /// One recording to fetch.
    struct Item: Sendable {
        /// The session whose recording this is.
        var session: Session
        /// The path below the archive root, without extension (`.mp4` and `.json` are added).
        var relativePath: String
        /// The size of a file already at the final path that does not match `video.size`, if any. It is
        /// moved aside, never overwritten.
        var existingWrongSize: Int?

        /// The recording's path below the archive root, with its `.mp4` extension.
        var recordingPath: String { "\(relativePath).\(DownloadPlanner.recordingExtension)" }
    }

    /// Which planned items a plan keeps, beyond its counts.
    enum ItemsKept: Sendable {
        /// Every item (tests, and runs for a single recording).
        case all
        /// What a run works on: the downloads, the missing sidecars and the uncatalogued recordings, not the
        /// other archived recordings.
        case work
        /// None: a dry run needs the counts only.
        case none
    }

    /// The counts of one agent's planned recordings.
    struct AgentCounts: Sendable, Equatable {
        var agentID: Int
        /// The agent's name as first listed (the listing is newest first).
        var agentName: String
        /// Recordings archived with the expected size.
        var archived = StorageAudit.Tally()
        /// Recordings with no file at their path (announced sizes).
        var missing = StorageAudit.Tally()
        /// Recordings whose file has another size (announced sizes).
        var wrongSize = StorageAudit.Tally()
        /// The sizes of those wrong-sized files.
        var wrongSizeFoundBytes = 0
        /// Archived recordings whose sidecar is missing.
        var missingSidecars = 0
        /// Archived recordings the catalog lacks (published by a run that stopped before cataloguing them).
        var uncatalogued = 0

        /// Every planned recording of the agent.
        var listed: StorageAudit.Tally { archived + missing + wrongSize }
        /// The recordings a run downloads: `missing` plus `wrongSize`.
        var toDownload: StorageAudit.Tally { missing + wrongSize }
    }

    /// Which items the plan keeps.
    let itemsKept: ItemsKept
    /// Recordings to download, in listing order; empty when `itemsKept` is `.none`.
    private(set) var downloads: [Item] = []
    /// Recordings already archived with the expected size, skipped; kept only when `itemsKept` is `.all`.
    private(set) var archived: [Item] = []
    /// Archived recordings whose sidecar is missing: it is written again, the recording is not fetched. Empty when
    /// `itemsKept` is `.none`.
    private(set) var missingSidecars: [Item] = []
    /// Archived recordings the catalog lacks: a run checks each against its sidecar and catalogues it. Empty when
    /// `itemsKept` is `.none`, and when the plan was made without the catalog's session ids.
    private(set) var uncatalogued: [Item] = []
    /// The counts per agent id, of every planned recording whatever `itemsKept`.
    private(set) var agents: [Int: AgentCounts] = [:]
    /// The number of recordings already archived.
    private(set) var archivedCount = 0
    /// The number of archived recordings the catalog lacks.
    private(set) var uncataloguedCount = 0
    /// The number of recordings to download.
    private(set) var downloadCount = 0
    /// The bytes the downloads add up to.
    private(set) var downloadBytes = 0

    /// Creates an empty plan that keeps `itemsKept`.
    init(keeping itemsKept: ItemsKept) {
        self.itemsKept = itemsKept
    }

    /// Adds a recording that is archived with the expected size; `hasSidecar` tells whether its sidecar is there,
    /// `isCatalogued` whether the catalog has it.
    mutating func addArchived(_ item: Item, hasSidecar: Bool, isCatalogued: Bool = true) {
        archivedCount += 1
        if !isCatalogued { uncataloguedCount += 1 }
        update(item.session.agent) { counts in
            counts.archived.add(item.session.video.sizeBytes)
            if !hasSidecar { counts.missingSidecars += 1 }
            if !isCatalogued { counts.uncatalogued += 1 }
        }
        if itemsKept == .all { archived.append(item) }
        if !hasSidecar, itemsKept != .none { missingSidecars.append(item) }
        if !isCatalogued, itemsKept != .none { uncatalogued.append(item) }
    }

    /// Adds a recording to download.
    mutating func addDownload(_ item: Item) {
        let bytes = item.session.video.sizeBytes
        downloadCount += 1
        downloadBytes += bytes
        update(item.session.agent) { counts in
            if let found = item.existingWrongSize {
                counts.wrongSize.add(bytes)
                counts.wrongSizeFoundBytes += found
            } else {
                counts.missing.add(bytes)
            }
        }
        if itemsKept != .none { downloads.append(item) }
    }

    private mutating func update(_ agent: Session.Agent, _ change: (inout AgentCounts) -> Void) {
        change(&agents[agent.id, default: AgentCounts(agentID: agent.id, agentName: agent.name)])
    }
}
