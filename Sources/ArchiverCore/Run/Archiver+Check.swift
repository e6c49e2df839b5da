import Curl
import FoundationEssentials
import JSON
public import Logging

extension Archiver {
    /// The `limit` of `check`'s one `history/list` request: small, so that the answer shows whether it is honoured.
    static let checkPageLimit = 2

    /// Checks what a first run against a real account needs, one checklist item each: the configuration, the key
    /// (one `history/list` request), that page's shape, one recording's media host (its first byte, through the
    /// redirects a download would follow), and the archive's root, mount, free space, lock and catalog.
    ///
    /// Downloads no recording and writes nothing: the root's write probe leaves no file, the lock and the catalog
    /// are only read.
    /// - Parameter configurationFile: Where the configuration came from, for the first line.
    /// - Returns: the checklist; its `exitCode` is 1 when a check failed.
    /// - Throws: `ArchiverError.apiUnreachable` when libcurl does not start (exit 3).
    public static func check(
        configuration: ArchiverConfiguration,
        configurationFile: String?,
        logger: Logger
    ) async throws(ArchiverError) -> CheckList {
        var list = CheckList()
        list.append(
            .ok,
            "config loaded from \(configurationFile ?? "the environment and defaults"): API "
                + "\(configuration.apiBaseURL.absoluteString), archive root \(configuration.archiveRoot), media_hosts "
                + configuration.mediaHosts.map(\.description).joined(separator: ", "))
        let transport: CurlMulti
        do {
            transport = try CurlMulti(maxConnections: 2, threads: 1)
        } catch {
            throw .apiUnreachable(
                endpoint: configuration.apiBaseURL.absoluteString, reason: "libcurl did not start: \(error)")
        }
        let items = await checkListPage(configuration, transport: transport, into: &list)
        await checkMediaHost(of: items, configuration, transport: transport, logger: logger, into: &list)
        if let bucket = configuration.bucket {
            await checkBucket(bucket, configuration, transport: transport, logger: logger, into: &list)
        } else {
            checkArchive(configuration, logger: logger, into: &list)
        }
        await transport.shutdown()
        return list
    }

    /// One `history/list` request: whether the key is accepted, and what the page looks like.
    /// - Returns: the page's items; nil when there is no page.
    private static func checkListPage(
        _ configuration: ArchiverConfiguration,
        transport: CurlMulti,
        into list: inout CheckList
    ) async -> [JSONValue]? {
        var base = configuration.apiBaseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let endpoint = "\(base)/history/list"
        let request = TransferRequest(
            url: "\(endpoint)?video=true&offset=0&limit=\(checkPageLimit)",
            headers: ["X-Api-Key: \(configuration.apiKey.value)", "Accept: application/json"],
            destination: .memory(limit: APIClient.maximumResponseBytes),
            connectTimeout: configuration.connectTimeout,
            timeout: .seconds(120)
        )
        let response: TransferResponse
        do {
            response = try await transport.perform(request)
        } catch {
            list.append(
                .failed, "API key not checked: cannot reach the API at \(endpoint): \(error)",
                fix: "check api.base_url, the network, and any proxy or firewall on the way")
            list.append(.skipped, "list page not decoded: the API was not reached")
            return nil
        }
        let status = response.statusCode
        let message =
            ServerMessage.extract(from: response.body, hiding: configuration.apiKey)
            .map { ": \"\($0)\"" } ?? ""
        switch status {
        case 200..<300:
            list.append(.ok, "API key accepted: history/list answered HTTP \(status)")
        case 401, 403:
            list.append(
                .failed, "API key rejected: history/list answered HTTP \(status)\(message)",
                fix: "check GETSCREEN_API_KEY or api.key_file (the key from the account's API settings), and that "
                    + "the account may use the API")
        case 402:
            list.append(
                .failed, "API key accepted, but the request limit is exceeded: HTTP 402\(message)",
                fix: "wait for the plan's API request limit to reset, or raise it in the Getscreen plan")
        default:
            list.append(
                .failed, "API key not confirmed: history/list answered HTTP \(status)\(message)",
                fix: "check api.base_url (it ends in /v1); if the API is down, run check again later")
        }
        guard (200..<300).contains(status) else {
            list.append(.skipped, "list page not decoded: history/list answered HTTP \(status)")
            return nil
        }
        let page: ListPageShape
        do throws(ListPageShape.Unreadable) {
            page = try ListPageShape(body: response.body, askedLimit: checkPageLimit)
        } catch {
            list.append(
                .failed, "list page not decoded: \(error.reason)",
                fix: "check that api.base_url is the Connection History API (https://api.getscreen.me/v1)")
            return nil
        }
        let fields =
            page.itemCount == 0
            ? "no items to check the fields of"
            : page.missingFields.isEmpty
                ? "fields \(ListPageShape.requiredFields.joined(separator: ", ")) present" : nil
        let text =
            "list page decoded: \(page.itemCount) items for limit \(checkPageLimit), \(page.limitBehaviour), "
            + "\(page.totalBehaviour)" + (fields.map { ", \($0)" } ?? "")
        let oddities = page.oddities
        list.append(
            oddities.isEmpty ? .ok : .warning, text + (oddities.isEmpty ? "" : "; " + oddities.joined(separator: "; ")),
            fix: oddities.isEmpty
                ? nil : "runs cope with this, but items without a usable recording are reported, not archived")
        return page.items
    }

    /// Asks the media host of the first usable listed recording for its first byte.
    private static func checkMediaHost(
        of items: [JSONValue]?,
        _ configuration: ArchiverConfiguration,
        transport: CurlMulti,
        logger: Logger,
        into list: inout CheckList
    ) async {
        guard let items else {
            list.append(.skipped, "media host not checked: no list page")
            return
        }
        guard let session = items.lazy.compactMap({ try? Session(listItem: $0) }).first else {
            list.append(
                items.isEmpty ? .skipped : .warning,
                items.isEmpty
                    ? "media host not checked: the account lists no session with a recording yet"
                    : "media host not checked: none of the \(items.count) listed items has a usable recording")
            return
        }
        let probe = MediaProbe(
            transport: transport,
            policy: configuration.mediaURLPolicy,
            key: configuration.apiKey, connectTimeout: configuration.connectTimeout, logger: logger)
        let recording = "session \(session.id)'s recording"
        let result: MediaProbe.Result
        do {
            result = try await probe.probe(session)
        } catch let refused as RecordingFailure {
            let host = URLComponents(string: session.video.url)?.encodedHost ?? "its host"
            list.append(
                .failed, "media host refused by the configuration for \(recording): \(refused.reason)",
                fix: refused.code == .untrustedMediaHost
                    ? "if \(host) is trusted to serve recordings, add it to media_hosts" : nil)
            return
        } catch {
            list.append(
                .failed, "media host not reached for \(recording): \(error)",
                fix: "check the network, and any proxy or firewall, towards the media host")
            return
        }
        let route =
            "media host \(result.host)"
            + (result.redirectHosts.isEmpty ? "" : " (redirected via \(result.redirectHosts.joined(separator: ", ")))")
        let expected = session.video.sizeBytes
        switch result.answer {
        case .size(let size, let honorsRange) where size == expected:
            list.append(
                honorsRange ? .ok : .warning,
                "\(route) answered for \(recording): \(size) bytes, as video.size says"
                    + (honorsRange ? "" : "; it ignores Range, so an interrupted download starts over"))
        case .size(let size, _):
            list.append(
                .failed, "\(route) serves \(size) bytes for \(recording), but video.size says \(expected)",
                fix: "downloads of such recordings fail with size_mismatch; report it to Getscreen support")
        case .sizeUnknown(let status):
            list.append(.warning, "\(route) answered HTTP \(status) for \(recording) without telling its size")
        case .ignoresRange:
            list.append(
                .warning,
                "\(route) ignores Range and began sending all of \(recording); the check stopped after "
                    + "\(MediaProbe.bodyLimit / 1024) KiB; an interrupted download starts over")
        case .status(let status, let message):
            list.append(
                .failed,
                "\(route) answered HTTP \(status) for \(recording)" + (message.map { ": \"\($0)\"" } ?? ""),
                fix: status == 401 || status == 403
                    ? "check that the key may download recordings; a 403 can also be an expired link: run check again"
                    : "run check again later; if it persists, the media host (or a redirect target) is misconfigured")
        }
    }
}
