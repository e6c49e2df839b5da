/// What one run did for one agent's recordings, for the `agents` list of the report.
public struct AgentRunCounts: Sendable, Equatable, Codable {
    public var agentID: Int
    public var agentName: String
    /// Usable recordings the API listed for this agent.
    public var listed = 0
    /// Recordings downloaded and filed in this run.
    public var downloaded = 0
    /// Recordings already archived with the expected size.
    public var skipped = 0
    /// Recordings that could not be archived.
    public var failed = 0
    /// Bytes of the recordings downloaded in this run.
    public var bytesDownloaded = 0
    /// In dry runs: recordings a real run would download.
    public var wouldDownload: Int?

    /// Creates the counts of an agent, all zero.
    public init(agentID: Int, agentName: String) {
        self.agentID = agentID
        self.agentName = agentName
    }

    /// Tallies a finished run per agent, ordered by agent name, then id.
    ///
    /// Every planned download that did not fail was filed: a run that is stopped midway throws instead of
    /// returning a report.
    /// - Parameters:
    ///   - plan: the run's plan.
    ///   - failures: the run's failures; those without a planned session (unusable items) belong to no agent.
    ///   - isDryRun: whether the downloads were only planned.
    public static func tally(_ plan: DownloadPlan, failures: [RecordingFailure], isDryRun: Bool) -> [AgentRunCounts] {
        var rows: [Int: AgentRunCounts] = [:]
        func update(_ agent: Session.Agent, _ change: (inout AgentRunCounts) -> Void) {
            change(&rows[agent.id, default: AgentRunCounts(agentID: agent.id, agentName: agent.name)])
        }
        for item in plan.archived {
            update(item.session.agent) { row in
                row.listed += 1
                row.skipped += 1
            }
        }
        let failed = Set(failures.compactMap(\.sessionID))
        for item in plan.downloads {
            update(item.session.agent) { row in
                row.listed += 1
                if isDryRun {
                    row.wouldDownload = (row.wouldDownload ?? 0) + 1
                } else if failed.contains(item.session.id) {
                    row.failed += 1
                } else {
                    row.downloaded += 1
                    row.bytesDownloaded += item.session.video.sizeBytes
                }
            }
        }
        return rows.values.sorted { ($0.agentName, $0.agentID) < ($1.agentName, $1.agentID) }
    }

    enum CodingKeys: String, CodingKey {
        case agentID = "agent_id"
        case agentName = "agent_name"
        case listed, downloaded, skipped, failed
        case bytesDownloaded = "bytes_downloaded"
        case wouldDownload = "would_download"
    }
}
