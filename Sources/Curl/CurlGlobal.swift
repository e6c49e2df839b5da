internal import CCurl

/// Runs `curl_global_init` exactly once, before the first handle is created.
///
/// libcurl documents `curl_global_init` as not thread-safe; a lazily initialised static is run once by the
/// Swift runtime under its own lock (corelibs Foundation's `ensureLibcurlIsInitialized` does the same).
enum CurlGlobal {
    private static let initialization: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    /// Initialises libcurl if that has not happened yet.
    /// - Throws: `CurlError` when libcurl cannot initialise (out of memory or a broken TLS backend).
    static func ensureInitialized() throws(CurlError) {
        let code = initialization
        guard code == CURLE_OK else { throw CurlError(code: code, detail: nil) }
    }
}
