/// Values given on the command line, which win over the environment and the configuration file; `nil` = not given.
public struct ConfigurationOverrides: Sendable {
    /// `--api-url`.
    public var apiBaseURL: String?
    /// `--archive`.
    public var archiveRoot: String?
    /// `--transfers`.
    public var transfers: Int?
    /// `--bwlimit`, as written.
    public var bandwidthLimit: String?

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
