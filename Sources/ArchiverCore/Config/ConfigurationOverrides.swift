/// Values given on the command line, which win over the environment and the configuration file; `nil` = not given.
public struct ConfigurationOverrides: Sendable {
    /// `--api-url`.
    var apiBaseURL: String?
    /// `--archive`.
    var archiveRoot: String?
    /// `--transfers`.
    var transfers: Int?
    /// `--bwlimit`, as written.
    var bandwidthLimit: String?

    /// Collects the command-line values; leave a parameter `nil` when its flag was not given.
    public init(
        apiBaseURL: String? = nil, archiveRoot: String? = nil, transfers: Int? = nil, bandwidthLimit: String? = nil
    ) {
        self.bandwidthLimit = bandwidthLimit
        self.apiBaseURL = apiBaseURL
        self.archiveRoot = archiveRoot
        self.transfers = transfers
    }
}
