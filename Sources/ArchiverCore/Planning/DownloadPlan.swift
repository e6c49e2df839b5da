/// What a run has to do for the listed recordings, decided before any byte moves.
///
/// Built one session at a time (`DownloadPlanner.plan(_:into:fileSize:)`): the per-agent counts cover every
/// planned session, while the items kept are only those the run needs (`ItemsKept`), so that planning a listing
/// of 100,000 sessions need not hold them.
public struct DownloadPlan: Sendable {
    /// One recording to fetch.
    public struct Item: Sendable {
        /// The session whose recording this is.
        public var session: Session
        /// The path below the archive root, without extension (`.mp4` and `.json` are added).
        public var relativePath: String
        /// The size of a file already at the final path that does not match `video.size`, if any. It is
        /// moved aside, never overwritten.
        public var existingWrongSize: Int?
    }

    /// Which planned items a plan keeps, beyond its counts.
    public enum ItemsKept: Sendable {
        /// Every item (tests, and runs for a single recording).
        case all
        /// What a run works on: the downloads, the missing sidecars and the uncatalogued recordings, not the
        /// other archived recordings.
        case work
        /// None: a dry run needs the counts only.
        case none
    }

    /// The counts of one agent's planned recordings.
    public struct AgentCounts: Sendable, Equatable {
        public var agentID: Int
        /// The agent's name as first listed (the listing is newest first).
        public var agentName: String
        /// Recordings archived with the expected size.
        public var archived = StorageAudit.Tally()
        /// Recordings with no file at their path (announced sizes).
        public var missing = StorageAudit.Tally()
        /// Recordings whose file has another size (announced sizes).
        public var wrongSize = StorageAudit.Tally()
        /// The sizes of those wrong-sized files.
        public var wrongSizeFoundBytes = 0
        /// Archived recordings whose sidecar is missing.
        public var missingSidecars = 0
        /// Archived recordings the catalog lacks (published by a run that stopped before cataloguing them).
        public var uncatalogued = 0

        /// Every planned recording of the agent.
        public var listed: StorageAudit.Tally { archived + missing + wrongSize }
        /// The recordings a run downloads: `missing` plus `wrongSize`.
        public var toDownload: StorageAudit.Tally { missing + wrongSize }
    }

    /// Which items the plan keeps.
    public let itemsKept: ItemsKept
    /// Recordings to download, in listing order; empty when `itemsKept` is `.none`.
    public private(set) var downloads: [Item] = []
    /// Recordings already archived with the expected size, skipped; kept only when `itemsKept` is `.all`.
    public private(set) var archived: [Item] = []
    /// Archived recordings whose sidecar is missing: it is written again, the recording is not fetched. Empty when
    /// `itemsKept` is `.none`.
    public private(set) var missingSidecars: [Item] = []
    /// Archived recordings the catalog lacks: a run checks each against its sidecar and catalogues it. Empty when
    /// `itemsKept` is `.none`, and when the plan was made without the catalog's session ids.
    public private(set) var uncatalogued: [Item] = []
    /// The counts per agent id, of every planned recording whatever `itemsKept`.
    public private(set) var agents: [Int: AgentCounts] = [:]
    /// The number of recordings already archived.
    public private(set) var archivedCount = 0
    /// The number of archived recordings the catalog lacks.
    public private(set) var uncataloguedCount = 0
    /// The number of recordings to download.
    public private(set) var downloadCount = 0
    /// The bytes the downloads add up to.
    public private(set) var downloadBytes = 0

    /// Creates an empty plan that keeps `itemsKept`.
    public init(keeping itemsKept: ItemsKept) {
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
