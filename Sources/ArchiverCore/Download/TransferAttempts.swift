/// The attempts at one recording's transfer, as a state machine: `Downloader.download(_:)` tells it what each
/// attempt came to, and it answers what to do next. A value with no I/O, in the manner of async-http-client's
/// `Transaction+StateMachine`, so that every rule below is tested on its own (`TransferAttemptsTests`).
///
/// - An attempt that failed with a transient code (`RecordingFailure.Code.isTransient`) is tried again after a
///   backoff, until `maximumAttempts` attempts have failed; any other failure gives up at once.
/// - A 416 to a resumed attempt (the partial file is longer than the recording) starts again from byte 0 at once.
/// - The first 403 asks for a fresh media URL (it may have expired); another 403, or no fresh URL, gives up.
/// - Neither of the two counts as a failed attempt. Redirects are followed within one attempt (`RedirectFollower`)
///   and do not reach the machine.
/// - A size or range mismatch leaves bytes that are not the recording's: the partial file is emptied. Giving up
///   deletes it unless a transient network failure ended the last attempt, whose bytes the next run resumes.
///
/// An event that its state does not expect (an attempt that fails before it started, any event once finished) is
/// a bug in the driver and stops the process (`preconditionFailure`), as in async-http-client.
struct TransferAttempts: Sendable {
    /// Where the transfer stands.
    enum State: Sendable, Equatable {
        /// No attempt is running; `failedAttempts` of them count against the limit so far.
        case idle(failedAttempts: Int)
        /// Attempt number `attempt` (1-based, among those that count) is running, resuming at byte `resumeOffset`.
        case transferring(attempt: Int, resumeOffset: Int)
        /// Attempt number `attempt` was refused with `failure` (403), and a fresh media URL is being asked for.
        case refreshingURL(attempt: Int, failure: RecordingFailure)
        /// The recording is complete, or the machine gave up.
        case finished
    }

    /// What to do with the partial file.
    enum PartialFile: Sendable, Equatable {
        /// Leave it: the next attempt or run resumes it.
        case keep
        /// Empty it: its bytes are not the recording's.
        case truncate
        /// Delete it.
        case delete
    }

    /// What the driver does next.
    enum Action: Sendable, Equatable {
        /// Start the next attempt at once, after doing `PartialFile` to the partial file.
        case retryNow(PartialFile)
        /// Do `PartialFile` to the partial file, wait the backoff after failed attempt `afterAttempt` (the server's
        /// `retryAfter` when it sent one), then start the next attempt.
        case retry(afterAttempt: Int, retryAfter: Duration?, PartialFile)
        /// Ask for a fresh media URL, then report `urlRefreshed()` or `urlRefreshUnavailable()`.
        case refreshURL
        /// Do `PartialFile` to the partial file and fail the recording with `RecordingFailure`.
        case giveUp(RecordingFailure, PartialFile)
    }

    /// Tries in all, including the first (`RetryPolicy.attempts`).
    let maximumAttempts: Int
    /// Where the transfer stands.
    private(set) var state = State.idle(failedAttempts: 0)
    /// Whether the media URL was refreshed once already.
    private(set) var hasRefreshedURL = false

    /// A transfer that has not started, to be tried `maximumAttempts` times in all.
    init(maximumAttempts: Int) {
        self.maximumAttempts = maximumAttempts
    }

    /// An attempt starts, resuming the partial file at byte `resumeOffset` (0 for a fresh start).
    mutating func attemptStarted(resumingAt resumeOffset: Int) {
        guard case .idle(let failedAttempts) = state else { invalid("an attempt started") }
        state = .transferring(attempt: failedAttempts + 1, resumeOffset: resumeOffset)
    }

    /// The running attempt completed the recording.
    mutating func attemptSucceeded() {
        guard case .transferring = state else { invalid("an attempt succeeded") }
        state = .finished
    }

    /// The running attempt failed with `failure`; `retryAfter` is the server's `Retry-After`, when it sent one.
    mutating func attemptFailed(_ failure: RecordingFailure, retryAfter: Duration? = nil) -> Action {
        guard case .transferring(let attempt, let resumeOffset) = state else { invalid("an attempt failed") }
        switch failure.code {
        case .http(status: 416) where resumeOffset > 0:
            state = .idle(failedAttempts: attempt - 1)
            return .retryNow(.truncate)
        case .http(status: 403) where !hasRefreshedURL:
            state = .refreshingURL(attempt: attempt, failure: failure)
            return .refreshURL
        case let code where !code.isTransient:
            state = .finished
            return .giveUp(failure, .delete)
        case let code where attempt < maximumAttempts:
            state = .idle(failedAttempts: attempt)
            return .retry(afterAttempt: attempt, retryAfter: retryAfter, Self.partialFile(after: code))
        case let code:
            state = .finished
            return .giveUp(failure, Self.discardsPartialFile(after: code) ? .delete : Self.partialFile(after: code))
        }
    }

    /// A fresh media URL replaced the refused one: the next attempt starts at once and does not count.
    mutating func urlRefreshed() -> Action {
        guard case .refreshingURL(let attempt, _) = state else { invalid("a URL was refreshed") }
        hasRefreshedURL = true
        state = .idle(failedAttempts: attempt - 1)
        return .retryNow(.keep)
    }

    /// No fresh media URL came: the refusal stands.
    mutating func urlRefreshUnavailable() -> Action {
        guard case .refreshingURL(_, let failure) = state else { invalid("no fresh URL came") }
        state = .finished
        return .giveUp(failure, .delete)
    }

    /// What a failed attempt with `code` leaves for the next one to build on.
    private static func partialFile(after code: RecordingFailure.Code) -> PartialFile {
        switch code {
        case .sizeMismatch, .rangeMismatch: .truncate
        default: .keep
        }
    }

    /// Whether giving up after `code` deletes the partial file: the server's answer or the bytes were wrong, so
    /// that the next run has nothing to resume.
    private static func discardsPartialFile(after code: RecordingFailure.Code) -> Bool {
        switch code {
        case .sizeMismatch, .http: true
        default: false
        }
    }

    private func invalid(_ event: String) -> Never {
        preconditionFailure("TransferAttempts: \(event) in state \(state)")
    }
}
