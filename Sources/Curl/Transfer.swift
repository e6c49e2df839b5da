internal import CCurl
import FoundationEssentials
import Glibc
import Synchronization

/// One request in flight on a `CurlMulti`: its easy handle, its callbacks' state and its continuation.
///
/// Confinement: `easy`, `headerList`, `errorBuffer` and every `response*` field are touched only by the
/// multi's driver thread, from `attach(to:)` until `detach(from:)`. `lifecycle` is the only state that other
/// threads touch, and it is guarded by its `Mutex`. That is why the type can be `@unchecked Sendable`.
final class Transfer: @unchecked Sendable {
    private enum Lifecycle {
        case created
        case submitted(CheckedContinuation<TransferResponse, any Error>)
        case cancelled
        case finished
    }

    /// Bytes of a non-2xx body kept for the error message when the destination is a file or a stream.
    private static let errorBodyLimit = 64 * 1024

    /// A file destination is written in chunks of this size, not as libcurl hands the body over (16 KiB at a
    /// time): on a FUSE share every write(2) is a round trip to its daemon. sshfs on loopback took 7.5 ms a MiB
    /// in 16 KiB writes and 4.7 ms in 128 KiB ones (its default largest write); local disks save syscalls.
    static let fileWriteChunk = 128 * 1024

    let request: TransferRequest
    /// The run's shared bandwidth limit, when this transfer counts against one.
    private let limiter: BandwidthLimiter?
    private let lifecycle = Mutex(Lifecycle.created)

    private(set) var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var responseStatus: Int?
    private var responseHeaders: [String: String] = [:]
    private var responseBody: [UInt8] = []
    private var bytesWritten = 0
    /// Body bytes received for the file destination and not written yet (less than `fileWriteChunk`).
    private var pendingFileBytes: [UInt8] = []
    private var writeErrno: Int32?
    private var exceededBodyLimit = false
    private var hasCheckedResumeStart = false
    private var restartedFromZero = false
    private var rangeMismatch = false
    /// How many bytes of a file body libcurl has read so far (moved back by a rewind).
    private var uploadPosition = 0
    /// Why reading a file body failed: an `errno`, or nil with `uploadSourceEnded` for a file that ended early.
    private var readErrno: Int32?
    private var uploadSourceEnded = false
    /// Whether the write callback paused the transfer because the bandwidth limiter's bucket was empty.
    private(set) var isPausedForBandwidth = false

    init(request: TransferRequest, limiter: BandwidthLimiter? = nil) {
        self.request = request
        self.limiter = request.isBandwidthLimited ? limiter : nil
        errorBuffer.initialize(to: 0)
    }

    deinit {
        errorBuffer.deallocate()
    }

    // MARK: Any thread

    /// Records the continuation unless the transfer was cancelled first.
    /// - Returns: false when the task was already cancelled; the continuation has then been resumed.
    func submit(_ continuation: CheckedContinuation<TransferResponse, any Error>) -> Bool {
        let cancelledEarly = lifecycle.withLock { state -> Bool in
            switch state {
            case .created:
                state = .submitted(continuation)
                return false
            case .cancelled:
                return true
            case .submitted, .finished:
                preconditionFailure("a Transfer is submitted once")
            }
        }
        if cancelledEarly { continuation.resume(throwing: CancellationError()) }
        return !cancelledEarly
    }

    /// Marks a transfer cancelled before submission.
    /// - Returns: true when it was already submitted, so the driver must abort it.
    func markCancelled() -> Bool {
        lifecycle.withLock { state -> Bool in
            switch state {
            case .created:
                state = .cancelled
                return false
            case .submitted:
                return true
            case .cancelled, .finished:
                return false
            }
        }
    }

    /// Resumes the caller exactly once, with whoever gets here first.
    func finish(_ result: Result<TransferResponse, any Error>) {
        let continuation = lifecycle.withLock { state -> CheckedContinuation<TransferResponse, any Error>? in
            guard case .submitted(let continuation) = state else { return nil }
            state = .finished
            return continuation
        }
        continuation?.resume(with: result)
    }

    // MARK: Driver thread only

    /// Creates and configures the easy handle and adds it to `multi`.
    func attach(to multi: UnsafeMutableRawPointer) throws(CurlError) {
        guard let easy = curl_easy_init() else { throw CurlError(code: CURLE_OUT_OF_MEMORY, detail: nil) }
        self.easy = easy
        try configure(easy)
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            throw CurlError(code: CURLE_FAILED_INIT, detail: String(cString: curl_multi_strerror(added)))
        }
    }

    /// Resumes a transfer paused for bandwidth (curl_easy_pause(3), from the driver thread as libcurl requires).
    /// libcurl hands the bytes it kept over to the write callback within this call, which may pause it again.
    func resumeAfterBandwidthPause() {
        guard isPausedForBandwidth, let easy else { return }
        isPausedForBandwidth = false
        curl_easy_pause(easy, CURLPAUSE_CONT)
    }

    /// Removes the easy handle from `multi` and frees everything libcurl held for it. Body bytes still pending for
    /// the file destination (a cancelled transfer) are written first, so that a later resume starts after them.
    func detach(from multi: UnsafeMutableRawPointer?) {
        if case .file(let descriptor, let observer) = request.destination, !pendingFileBytes.isEmpty {
            _ = writePendingBytes(to: descriptor, observer: observer)
        }
        if let easy {
            if let multi { curl_multi_remove_handle(multi, easy) }
            curl_easy_cleanup(easy)
        }
        easy = nil
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
    }

    /// The response after libcurl reported the transfer done with `code`, once the body bytes still pending are
    /// written to the file destination (also after a failure: a retry or the next run resumes after them).
    func outcome(for code: CURLcode) -> Result<TransferResponse, any Error> {
        if case .file(let descriptor, let observer) = request.destination, !pendingFileBytes.isEmpty,
            !writePendingBytes(to: descriptor, observer: observer), code == CURLE_OK
        {
            return .failure(
                CurlError(
                    code: CURLE_WRITE_ERROR, detail: "writing the body to the file failed", writeErrno: writeErrno))
        }
        if code == CURLE_ABORTED_BY_CALLBACK, readErrno != nil || uploadSourceEnded {
            let reason = readErrno.map { String(cString: strerror($0)) } ?? "the file ended before the announced length"
            return .failure(
                CurlError(code: CURLE_READ_ERROR, detail: "reading the request body from its file failed: \(reason)"))
        }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            return .failure(
                CurlError(
                    code: code,
                    detail: detail,
                    writeErrno: writeErrno,
                    bodyLimit: exceededBodyLimit ? memoryLimit : nil,
                    rangeMismatch: rangeMismatch
                )
            )
        }
        var status = 0
        var redirectURL: String?
        if let easy {
            var code = 0
            if ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK { status = code }
            // CURLINFO_REDIRECT_URL: the Location of a 3xx answer resolved against the request's URL, as libcurl
            // would have followed it; set only while FOLLOWLOCATION is off. The string belongs to the handle.
            var location: UnsafePointer<CChar>?
            if ccurl_easy_getinfo_string(easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK, let location {
                redirectURL = String(cString: location)
            }
        }
        return .success(
            TransferResponse(
                statusCode: status,
                headers: responseHeaders,
                body: responseBody,
                bytesWritten: bytesWritten,
                restartedFromZero: restartedFromZero,
                redirectURL: redirectURL
            )
        )
    }

    private var memoryLimit: Int? {
        if case .memory(let limit) = request.destination { return limit }
        return nil
    }

    private func configure(_ easy: UnsafeMutableRawPointer) throws(CurlError) {
        func check(_ code: CURLcode) throws(CurlError) {
            guard code == CURLE_OK else { throw CurlError(code: code, detail: nil) }
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        // The driver keeps `self` alive in its table until `detach`, so the unretained pointer stays valid.
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        try check(ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url))
        // CURLOPT_NOSIGNAL: we run on our own thread; libcurl must not install SIGALRM handlers.
        try check(ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        // CURLOPT_PROTOCOLS_STR (7.85+): file://, ftp:// and every other scheme are impossible, even if an
        // API response carries such a URL. libcurl follows no redirect (FOLLOWLOCATION stays 0): the caller reads
        // `TransferResponse.redirectURL` and checks each hop's host before it sends a key there.
        try check(ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        try check(ccurl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        try check(ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        try check(ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1))
        try check(ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2))
        try check(ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, request.userAgent))
        try check(ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.milliseconds))
        if let timeout = request.timeout {
            try check(ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeout.milliseconds))
        }
        if let lowSpeed = request.lowSpeedLimit {
            try check(ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, lowSpeed.bytesPerSecond))
            try check(
                ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, lowSpeed.duration.milliseconds / 1000)))
        }
        // CURLOPT_BUFFERSIZE: libcurl hands the write callback at most 16 KiB at a time whatever this size
        // (CURL_MAX_WRITE_SIZE), and a recv(2) on loopback or a LAN rarely returns more than 64 KiB; a larger
        // buffer only adds memory per transfer (256 KiB was no faster here).
        try check(ccurl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, 64 * 1024))
        for line in request.headers {
            headerList = curl_slist_append(headerList, line)
        }
        if let headerList { try check(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)) }
        if request.resumeOffset > 0 {
            // CURLOPT_RANGE rather than CURLOPT_RESUME_FROM_LARGE: the latter fails with CURLE_RANGE_ERROR when
            // the server ignores the range, while we prefer to take the whole body (see `startResumedBody`).
            try check(ccurl_easy_setopt_string(easy, CURLOPT_RANGE, "\(request.resumeOffset)-"))
        }
        try configureMethodAndBody(easy, context: context)
        if let signature = request.signature {
            // CURLOPT_AWS_SIGV4 also sets CURLOPT_HTTPAUTH to CURLAUTH_AWS_SIGV4; the key pair goes in as user name
            // and password (not CURLOPT_USERPWD, which would split a secret at its first colon).
            try check(ccurl_easy_setopt_string(easy, CURLOPT_AWS_SIGV4, signature.provider))
            try check(ccurl_easy_setopt_string(easy, CURLOPT_USERNAME, signature.accessKeyID))
            try check(ccurl_easy_setopt_string(easy, CURLOPT_PASSWORD, signature.secretAccessKey))
        }
        try check(ccurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, headerCallback))
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        try check(ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, writeCallback))
        try check(ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
    }

    /// Sets the method and the body: libcurl's own request kinds where they fit (`CURLOPT_NOBODY` for HEAD, POST
    /// for `.bytes`, PUT for `CURLOPT_UPLOAD`), `CURLOPT_CUSTOMREQUEST` to rename the method otherwise.
    private func configureMethodAndBody(_ easy: UnsafeMutableRawPointer, context: UnsafeMutableRawPointer)
        throws(CurlError)
    {
        func check(_ code: CURLcode) throws(CurlError) {
            guard code == CURLE_OK else { throw CurlError(code: code, detail: nil) }
        }
        let libcurlMethod: TransferRequest.Method
        switch request.body {
        case .bytes(let bytes):
            // CURLOPT_POSTFIELDSIZE_LARGE first: CURLOPT_COPYPOSTFIELDS copies that many bytes (NULs included).
            try check(ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, bytes.count))
            let copied = bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else {
                    return ccurl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
                }
                return ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
            }
            try check(copied)
            libcurlMethod = .post
        case .file(_, _, let length):
            // CURLOPT_UPLOAD with CURLOPT_INFILESIZE_LARGE sends a Content-Length (no chunked encoding) and reads the
            // body through the read callback. The seek callback lets libcurl rewind it, as it does when it resends
            // the request on a fresh connection after a reused one turned out dead; without it that fails with
            // CURLE_SEND_FAIL_REWIND.
            try check(ccurl_easy_setopt_long(easy, CURLOPT_UPLOAD, 1))
            try check(ccurl_easy_setopt_off_t(easy, CURLOPT_INFILESIZE_LARGE, length))
            try check(ccurl_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, readCallback))
            try check(ccurl_easy_setopt_pointer(easy, CURLOPT_READDATA, context))
            try check(ccurl_easy_setopt_seek_callback(easy, seekCallback))
            try check(ccurl_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, context))
            libcurlMethod = .put
        case nil:
            if request.method == .head { try check(ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1)) }
            libcurlMethod = request.method == .head ? .head : .get
        }
        if request.method != libcurlMethod {
            try check(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method.rawValue))
        }
    }

    /// Fills `buffer` with the next bytes of a file body.
    /// - Returns: the byte count (0 at the end), or `CURL_READFUNC_ABORT` when the file cannot be read.
    fileprivate func sendBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard case .file(let descriptor, let offset, let length) = request.body else { return 0 }
        let count = min(buffer.count, length - uploadPosition)
        guard count > 0 else { return 0 }
        while true {
            let read = pread(descriptor, buffer.baseAddress!, count, off_t(offset + uploadPosition))
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else {
                if read < 0 { readErrno = errno } else { uploadSourceEnded = true }
                return Int(CURL_READFUNC_ABORT)
            }
            uploadPosition += read
            return read
        }
    }

    /// Moves the file body's read position to `position` (from its start) for libcurl to send it again.
    fileprivate func rewindBody(to position: Int, origin: Int32) -> Int32 {
        guard case .file(_, _, let length) = request.body, origin == SEEK_SET, (0...length).contains(position) else {
            return CURL_SEEKFUNC_FAIL
        }
        uploadPosition = position
        return CURL_SEEKFUNC_OK
    }

    fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) {
        let bytes = line.trimmingWhitespace()
        if bytes.starts(with: "HTTP/".utf8) {
            // A new status line (after a 100 Continue or an interim response): start over.
            responseHeaders = [:]
            let parts = bytes.split(separator: UInt8(ascii: " "), maxSplits: 2)
            responseStatus = parts.count > 1 ? Int(String(decoding: parts[1], as: UTF8.self)) : nil
            return
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = Self.text(bytes[..<colon].trimmingWhitespace()).lowercased()
        responseHeaders[name] = Self.text(bytes[(colon + 1)...].trimmingWhitespace())
    }

    /// Header bytes as text: UTF-8 when valid, else Latin-1 (what HTTP/1.1 allowed in field values).
    private static func text(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    /// Before the first body byte of a resumed transfer: a 206 must continue the file where it ends; a 200
    /// carries the whole body, so the file is truncated and the observer restarts.
    /// - Returns: false when the transfer must be aborted.
    private func startResumedBody(descriptor: Int32, observer: (any TransferBodyObserver)?) -> Bool {
        guard request.resumeOffset > 0 else { return true }
        if responseStatus == 206 {
            let start = responseHeaders["content-range"].flatMap(Self.contentRangeStart)
            rangeMismatch = start != request.resumeOffset
            return !rangeMismatch
        }
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
            writeErrno = errno
            return false
        }
        restartedFromZero = true
        observer?.transferDidRestartFromZero()
        return true
    }

    /// Writes `pendingFileBytes` to the file, telling `observer` before and after.
    /// - Returns: false when a write failed (`writeErrno` says why).
    private func writePendingBytes(to descriptor: Int32, observer: (any TransferBodyObserver)?) -> Bool {
        observer?.transferWillWrite()
        let failure = pendingFileBytes.withUnsafeBytes { bytes -> Int32? in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            observer?.transferDidWrite(bytes)
            return nil
        }
        pendingFileBytes.removeAll(keepingCapacity: true)
        if let failure {
            writeErrno = failure
            return false
        }
        return true
    }

    /// A of `bytes A-B/T`.
    private static func contentRangeStart(_ value: String) -> Int? {
        guard value.hasPrefix("bytes "), let dash = value.firstIndex(of: "-") else { return nil }
        return Int(value[value.index(value.startIndex, offsetBy: 6)..<dash])
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        let isSuccess = responseStatus.map { (200..<300).contains($0) } ?? true
        switch request.destination {
        case .memory(let limit):
            guard responseBody.count + bytes.count <= limit else {
                exceededBodyLimit = true
                return 0
            }
            responseBody.append(contentsOf: bytes)
        case .file(let descriptor, let observer) where isSuccess:
            // CURL_WRITEFUNC_PAUSE (curl_easy_pause(3)): libcurl keeps these bytes, stops reading the socket, and
            // delivers them again after `resumeAfterBandwidthPause`; nothing of them is consumed here.
            if let limiter, !limiter.take(bytes.count) {
                isPausedForBandwidth = true
                return Int(CURL_WRITEFUNC_PAUSE)
            }
            if !hasCheckedResumeStart {
                hasCheckedResumeStart = true
                guard startResumedBody(descriptor: descriptor, observer: observer) else { return 0 }
            }
            if pendingFileBytes.capacity < Self.fileWriteChunk { pendingFileBytes.reserveCapacity(Self.fileWriteChunk) }
            pendingFileBytes.append(contentsOf: bytes)
            bytesWritten += bytes.count
            if pendingFileBytes.count >= Self.fileWriteChunk {
                guard writePendingBytes(to: descriptor, observer: observer) else { return 0 }
            }
        case .stream(let observer) where isSuccess:
            if let limiter, !limiter.take(bytes.count) {
                isPausedForBandwidth = true
                return Int(CURL_WRITEFUNC_PAUSE)
            }
            observer.transferDidWrite(bytes)
            bytesWritten += bytes.count
        case .file, .stream:
            let room = max(0, Self.errorBodyLimit - responseBody.count)
            responseBody.append(contentsOf: bytes.prefix(room))
        }
        return bytes.count
    }
}

private let headerCallback: ccurl_data_callback = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

private let readCallback: ccurl_data_callback = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    return transfer.sendBody(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
}

private let seekCallback: ccurl_seek_callback = { context, offset, origin in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    return transfer.rewindBody(to: Int(offset), origin: origin)
}

private let writeCallback: ccurl_data_callback = { data, size, count, context in
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
}

extension Duration {
    fileprivate var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

extension Collection<UInt8> where SubSequence == Slice<UnsafeRawBufferPointer> {
    /// The bytes without leading and trailing spaces, tabs, CRs and LFs.
    fileprivate func trimmingWhitespace() -> Slice<UnsafeRawBufferPointer> {
        let isWhitespace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        let start = firstIndex { !isWhitespace($0) } ?? endIndex
        let end = self[start...].lastIndex { !isWhitespace($0) }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
