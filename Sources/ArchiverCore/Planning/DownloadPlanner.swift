import FoundationEssentials

/// Decides, for every listed session, whether the archive already holds its recording.
///
/// Pure: the archive's state comes in as a function, so the planner is tested without a file system.
struct DownloadPlanner: Sendable {
    /// The file name extension of recordings.
    static let recordingExtension = "mp4"
    /// The file name extension of metadata sidecars.
    static let sidecarExtension = "json"

    private let layout: ArchiveLayout
    private let timeZone: ArchiveTimeZone

    /// Creates a planner that places recordings with `layout`, dates in `timeZone`.
    init(layout: ArchiveLayout, timeZone: ArchiveTimeZone) {
        self.layout = layout
        self.timeZone = timeZone
    }

    /// The path below the root, without extension, where `session`'s recording belongs.
    func relativePath(for session: Session) -> String {
        layout.relativePath(
            for: LayoutFields(
                agentID: session.agent.id,
                agentName: session.agent.name,
                agentGroup: session.agent.group,
                sessionID: session.id,
                supportID: session.supportID,
                start: session.start
            ),
            timeZone: timeZone
        )
    }

    /// Plans `sessions` against the archive, keeping every item.
    /// - Parameter fileSize: the size of the regular file at a path relative to the root, nil when absent.
    func plan(_ sessions: [Session], fileSize: (String) -> Int?) -> DownloadPlan {
        var plan = DownloadPlan(keeping: .all)
        for session in sessions { self.plan(session, into: &plan, fileSize: fileSize) }
        return plan
    }

    /// Plans one session against the archive, adding it to `plan`.
    /// - Parameters:
    ///   - fileSize: the size of the regular file at a path relative to the root, nil when absent.
    ///   - isCatalogued: whether the catalog has a session id; an archived recording it lacks is planned as
    ///     uncatalogued. By default every recording counts as catalogued.
    ///   - cataloguedPath: the relative path, with extension, at which the catalog holds a session id's recording.
    ///     A recording with no file of the expected size at the layout's path but one at the catalog's (filed under
    ///     an earlier layout, or by a `fetch` that did not know the agent's name) is archived there, never twice.
    func plan(
        _ session: Session,
        into plan: inout DownloadPlan,
        fileSize: (String) -> Int?,
        isCatalogued: (Int) -> Bool = { _ in true },
        cataloguedPath: (Int) -> String? = { _ in nil }
    ) {
        var path = relativePath(for: session)
        var existing = fileSize("\(path).\(Self.recordingExtension)")
        if existing != session.video.sizeBytes, let filed = cataloguedPath(session.id),
            filed.hasSuffix(".\(Self.recordingExtension)"), fileSize(filed) == session.video.sizeBytes
        {
            path = String(filed.dropLast(Self.recordingExtension.count + 1))
            existing = session.video.sizeBytes
        }
        if existing == session.video.sizeBytes {
            let hasSidecar = fileSize("\(path).\(Self.sidecarExtension)") != nil
            plan.addArchived(
                DownloadPlan.Item(session: session, relativePath: path, existingWrongSize: nil), hasSidecar: hasSidecar,
                isCatalogued: isCatalogued(session.id))
        } else {
            plan.addDownload(DownloadPlan.Item(session: session, relativePath: path, existingWrongSize: existing))
        }
    }
}
