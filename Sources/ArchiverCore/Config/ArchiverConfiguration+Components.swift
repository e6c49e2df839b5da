import Curl
import Logging

/// The settings of the lower layers' components, taken from the configuration here, in one place, so that those
/// components know nothing of `ArchiverConfiguration`.
extension ArchiverConfiguration {
    /// Where the catalog is: `<stateDirectory>/catalog.sqlite`.
    public var catalogPath: String { Catalog.path(inStateDirectory: stateDirectory) }

    /// Plans listed sessions into the configured layout and time zone.
    var downloadPlanner: DownloadPlanner { DownloadPlanner(layout: layout, timeZone: timeZone) }

    /// How often and how patiently API requests and transfers are tried again.
    var retryPolicy: RetryPolicy {
        RetryPolicy(attempts: retryAttempts, baseDelay: retryBaseDelay, maxDelay: retryMaxDelay)
    }

    /// Which media URLs and redirects may be requested with the key.
    var mediaURLPolicy: MediaURLPolicy {
        MediaURLPolicy(mediaHosts: mediaHosts, allowsInsecureHTTP: allowInsecureHTTP)
    }

    /// What a `Downloader` needs of the configuration.
    var downloaderSettings: Downloader.Settings {
        Downloader.Settings(
            key: apiKey, mediaPolicy: mediaURLPolicy, retry: retryPolicy, connectTimeout: connectTimeout,
            stallTimeout: stallTimeout, fileMode: permissions.fileMode)
    }
}

extension APIClient {
    /// Creates a client for the configured API, retrying transient failures as configured.
    init(configuration: ArchiverConfiguration, transport: CurlMulti, logger: Logger) {
        self.init(
            baseURL: configuration.apiBaseURL,
            key: configuration.apiKey,
            transport: transport,
            retry: configuration.retryPolicy,
            connectTimeout: configuration.connectTimeout,
            logger: logger
        )
    }
}
