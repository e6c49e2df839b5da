/// A listing planned as it arrives (a `ListingSink`): each session is planned against the archive when its page
/// is read and kept only if the plan keeps its item, so that a walk of 100,000 sessions need not hold them.
struct PlannedListing: ListingSink {
    private let planner: DownloadPlanner
    private let fileSize: (String) -> Int?
    /// The plan of the sessions listed so far.
    private(set) var plan: DownloadPlan
    /// The items listed so far that cannot be archived.
    private(set) var invalidItems: [InvalidSessionItem] = []
    /// The catalogued recordings to look for in the listing (an audit's), and which of them were listed.
    private let catalogued: [StorageAudit.CataloguedRecording]
    private var cataloguedIDs: Set<Int>
    private var listedCataloguedIDs: Set<Int> = []
    /// The session ids the catalog has in the listed window, with their recordings' relative paths, to find
    /// archived recordings it lacks and those filed at another path; nil when there is no catalog to compare with.
    private let cataloguedPaths: [Int: String]?
    /// Sessions failing since earlier runs, to tell which of them this listing included (`listedFailingIDs`).
    var failingSessionIDs: Set<Int> = []
    /// The sessions of `failingSessionIDs` the listing included, valid or not.
    private(set) var listedFailingIDs: Set<Int> = []
    /// Sessions the admin acknowledged as failing: left out of the plan, counted in `ignoredCount`.
    var ignoredSessionIDs: Set<Int> = []
    /// How many listed items were left out as acknowledged.
    private(set) var ignoredCount = 0

    /// Creates an empty listing.
    /// - Parameters:
    ///   - plan: the empty plan to add to, which tells which items it keeps.
    ///   - fileSize: the size of the regular file at a path relative to the root, nil when absent.
    ///   - catalogued: recordings the catalog holds wholly in the window (listed whatever the API's date filter
    ///     means), for `notListed`.
    ///   - cataloguedPaths: the session ids the catalog holds in the window, with their recordings' relative paths,
    ///     so that archived recordings it lacks are planned as uncatalogued, and recordings it holds at another path
    ///     than the layout's (an earlier layout, a `fetch` that did not know the agent's name) as archived there;
    ///     nil (no catalog) counts every archived recording as catalogued.
    init(
        planner: DownloadPlanner,
        plan: DownloadPlan,
        fileSize: @escaping (String) -> Int?,
        catalogued: [StorageAudit.CataloguedRecording] = [],
        cataloguedPaths: [Int: String]? = nil
    ) {
        self.planner = planner
        self.plan = plan
        self.fileSize = fileSize
        self.catalogued = catalogued
        self.cataloguedPaths = cataloguedPaths
        cataloguedIDs = Set(catalogued.map(\.sessionID))
    }

    mutating func add(_ session: Session) {
        guard isPlanned(session.id) else { return }
        noteListed(session.id)
        planner.plan(
            session, into: &plan, fileSize: fileSize,
            isCatalogued: { id in cataloguedPaths.map { $0[id] != nil } ?? true },
            cataloguedPath: { cataloguedPaths?[$0] })
    }

    mutating func add(_ invalidItem: InvalidSessionItem) {
        if let id = invalidItem.sessionID {
            guard isPlanned(id) else { return }
            noteListed(id)
        }
        invalidItems.append(invalidItem)
    }

    /// The catalogued recordings the listing did not include (once it is complete: those the API no longer
    /// lists), each session once, in the catalog's order.
    var notListed: [StorageAudit.CataloguedRecording] {
        var reported: Set<Int> = []
        return catalogued.filter {
            !listedCataloguedIDs.contains($0.sessionID) && reported.insert($0.sessionID).inserted
        }
    }

    private mutating func noteListed(_ id: Int) {
        if cataloguedIDs.contains(id) { listedCataloguedIDs.insert(id) }
        if failingSessionIDs.contains(id) { listedFailingIDs.insert(id) }
    }

    /// Whether the session is to be planned: false, and counted, for an acknowledged one.
    private mutating func isPlanned(_ id: Int) -> Bool {
        guard ignoredSessionIDs.contains(id) else { return true }
        ignoredCount += 1
        return false
    }
}
