/// What one run did for one agent's recordings, for the `agents` list of the report.
struct AgentRunCounts: Sendable, Equatable, Codable {
    var agentID: Int
    var agentName: String
    /// Usable recordings the API listed for this agent.
    var listed = 0
    /// Recordings downloaded and filed in this run.
    var downloaded = 0
    /// Recordings already archived with the expected size.
    var skipped = 0
    /// Recordings that could not be archived.
    var failed = 0
    /// Bytes of the recordings downloaded in this run.
    var bytesDownloaded = 0
    /// In dry runs: recordings a real run would download.
    var wouldDownload: Int?

    /// Creates the counts of an agent, all zero.
    init(agentID: Int, agentName: String) {
        self.agentID = agentID
        self.agentName = agentName
    }

    /// Tallies a finished run per agent, ordered by agent name, then id.
    ///
    /// Every planned download that did not fail was filed: a run that is stopped midway throws instead of
    /// returning a report.
    /// - Parameters:
    ///   - plan: the run's plan; a real run's must keep its downloads.
    ///   - failures: the run's failures; those without a planned session (unusable items) belong to no agent.
    ///   - isDryRun: whether the downloads were only planned.
    static func tally(_ plan: DownloadPlan, failures: [RecordingFailure], isDryRun: Bool) -> [AgentRunCounts] {
        var rows: [Int: AgentRunCounts] = [:]
        for counts in plan.agents.values {
            var row = AgentRunCounts(agentID: counts.agentID, agentName: counts.agentName)
            row.listed = counts.listed.count
            row.skipped = counts.archived.count
            if isDryRun, counts.toDownload.count > 0 { row.wouldDownload = counts.toDownload.count }
            rows[counts.agentID] = row
        }
        if !isDryRun {
            let failed = Set(failures.compactMap(\.sessionID))
            for item in plan.downloads {
                let agentID = item.session.agent.id
                if failed.contains(item.session.id) {
                    rows[agentID]?.failed += 1
                } else {
                    rows[agentID]?.downloaded += 1
                    rows[agentID]?.bytesDownloaded += item.session.video.sizeBytes
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
