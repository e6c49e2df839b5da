import Testing

@testable import ArchiverCore

/// Every transition of a transfer's attempts (`TransferAttempts`): pure, no I/O. The invalid ones stop the process,
/// which exit tests check.
@Suite struct TransferAttemptsTests {
    static func failure(_ code: RecordingFailure.Code) -> RecordingFailure {
        RecordingFailure(sessionID: 1, code: code, reason: "\(code)")
    }

    /// A machine whose attempt number `attempt` is running, resumed at `resumeOffset`.
    static func transferring(attempt: Int = 1, of maximum: Int = 3, resumeOffset: Int = 0) -> TransferAttempts {
        var attempts = TransferAttempts(maximumAttempts: maximum)
        for _ in 1..<attempt {
            attempts.attemptStarted(resumingAt: 0)
            _ = attempts.attemptFailed(failure(.curlTimeout))
        }
        attempts.attemptStarted(resumingAt: resumeOffset)
        return attempts
    }

    static func refreshingURL(attempt: Int = 1) -> TransferAttempts {
        var attempts = transferring(attempt: attempt)
        _ = attempts.attemptFailed(failure(.http(status: 403)))
        return attempts
    }

    @Test func startsIdleWithNoFailedAttempt() {
        let attempts = TransferAttempts(maximumAttempts: 3)
        #expect(attempts.state == .idle(failedAttempts: 0))
        #expect(!attempts.hasRefreshedURL)
    }

    @Test func anAttemptStartsWithTheNextNumberAndItsResumeOffset() {
        var attempts = TransferAttempts(maximumAttempts: 3)
        attempts.attemptStarted(resumingAt: 0)
        #expect(attempts.state == .transferring(attempt: 1, resumeOffset: 0))
        _ = attempts.attemptFailed(Self.failure(.curlTimeout))
        attempts.attemptStarted(resumingAt: 4_096)
        #expect(attempts.state == .transferring(attempt: 2, resumeOffset: 4_096))
    }

    @Test func aSuccessFinishes() {
        var attempts = Self.transferring(attempt: 2)
        attempts.attemptSucceeded()
        #expect(attempts.state == .finished)
    }

    @Test func aTransientFailureWithAttemptsLeftRetriesAfterTheBackoffKeepingThePartialFile() {
        var attempts = Self.transferring(attempt: 2, resumeOffset: 100)
        #expect(
            attempts.attemptFailed(Self.failure(.curlConnectionLost))
                == .retry(afterAttempt: 2, retryAfter: nil, .keep))
        #expect(attempts.state == .idle(failedAttempts: 2))
    }

    @Test func theServersRetryAfterIsPassedOn() {
        var attempts = Self.transferring()
        #expect(
            attempts.attemptFailed(Self.failure(.http(status: 429)), retryAfter: .seconds(7))
                == .retry(afterAttempt: 1, retryAfter: .seconds(7), .keep))
    }

    @Test(arguments: [RecordingFailure.Code.sizeMismatch, .rangeMismatch])
    func aMismatchRetriesFromAnEmptyPartialFile(code: RecordingFailure.Code) {
        var attempts = Self.transferring(resumeOffset: 100)
        #expect(attempts.attemptFailed(Self.failure(code)) == .retry(afterAttempt: 1, retryAfter: nil, .truncate))
        #expect(attempts.state == .idle(failedAttempts: 1))
    }

    @Test(arguments: [
        (RecordingFailure.Code.curlTimeout, TransferAttempts.PartialFile.keep),
        (.curl(code: 56), .keep),
        (.rangeMismatch, .truncate),
        (.sizeMismatch, .delete),
        (.http(status: 503), .delete),
    ])
    func aTransientFailureOfTheLastAttemptGivesUp(
        code: RecordingFailure.Code, partialFile: TransferAttempts.PartialFile
    ) {
        var attempts = Self.transferring(attempt: 3, of: 3, resumeOffset: 100)
        let failure = Self.failure(code)
        #expect(attempts.attemptFailed(failure, retryAfter: .seconds(1)) == .giveUp(failure, partialFile))
        #expect(attempts.state == .finished)
    }

    @Test(arguments: [
        RecordingFailure.Code.http(status: 404), .http(status: 401), .curlBadURL, .untrustedRedirectHost,
        .tooManyRedirects, .redirectWithoutLocation,
    ])
    func aPermanentFailureGivesUpAtOnceDeletingThePartialFile(code: RecordingFailure.Code) {
        var attempts = Self.transferring(attempt: 1, of: 5, resumeOffset: 100)
        let failure = Self.failure(code)
        #expect(attempts.attemptFailed(failure) == .giveUp(failure, .delete))
        #expect(attempts.state == .finished)
    }

    @Test func a416ToAResumedAttemptStartsOverAtOnceWithoutCounting() {
        var attempts = Self.transferring(attempt: 1, of: 1, resumeOffset: 100)
        #expect(attempts.attemptFailed(Self.failure(.http(status: 416))) == .retryNow(.truncate))
        #expect(attempts.state == .idle(failedAttempts: 0))
        attempts.attemptStarted(resumingAt: 0)
        #expect(attempts.state == .transferring(attempt: 1, resumeOffset: 0), "the only attempt is still to come")
    }

    @Test func a416ToAFreshStartGivesUp() {
        var attempts = Self.transferring(resumeOffset: 0)
        let failure = Self.failure(.http(status: 416))
        #expect(attempts.attemptFailed(failure) == .giveUp(failure, .delete))
        #expect(attempts.state == .finished)
    }

    @Test func theFirst403AsksForAFreshURL() {
        var attempts = Self.transferring(attempt: 2, resumeOffset: 100)
        let failure = Self.failure(.http(status: 403))
        #expect(attempts.attemptFailed(failure) == .refreshURL)
        #expect(attempts.state == .refreshingURL(attempt: 2, failure: failure))
    }

    @Test func aFreshURLRetriesAtOnceWithoutCounting() {
        var attempts = Self.refreshingURL(attempt: 2)
        #expect(attempts.urlRefreshed() == .retryNow(.keep))
        #expect(attempts.state == .idle(failedAttempts: 1))
        #expect(attempts.hasRefreshedURL)
    }

    @Test func noFreshURLGivesUpWithThe403() {
        var attempts = Self.refreshingURL()
        #expect(attempts.urlRefreshUnavailable() == .giveUp(Self.failure(.http(status: 403)), .delete))
        #expect(attempts.state == .finished)
    }

    @Test func a403WithTheFreshURLGivesUp() {
        var attempts = Self.refreshingURL()
        _ = attempts.urlRefreshed()
        attempts.attemptStarted(resumingAt: 0)
        let failure = Self.failure(.http(status: 403))
        #expect(attempts.attemptFailed(failure) == .giveUp(failure, .delete))
        #expect(attempts.state == .finished)
    }

    @Test func onlyFailedAttemptsCountAgainstTheLimit() {
        var attempts = TransferAttempts(maximumAttempts: 2)
        var actions: [TransferAttempts.Action] = []
        attempts.attemptStarted(resumingAt: 100)
        actions.append(attempts.attemptFailed(Self.failure(.http(status: 416))))
        attempts.attemptStarted(resumingAt: 0)
        actions.append(attempts.attemptFailed(Self.failure(.curlTimeout)))
        attempts.attemptStarted(resumingAt: 50)
        actions.append(attempts.attemptFailed(Self.failure(.http(status: 403))))
        actions.append(attempts.urlRefreshed())
        attempts.attemptStarted(resumingAt: 50)
        actions.append(attempts.attemptFailed(Self.failure(.curlTimeout)))
        #expect(
            actions == [
                .retryNow(.truncate), .retry(afterAttempt: 1, retryAfter: nil, .keep), .refreshURL, .retryNow(.keep),
                .giveUp(Self.failure(.curlTimeout), .keep),
            ])
    }

    // The events a state does not expect: a bug in the driver, which stops the process.

    @Test func anAttemptCannotStartWhileOneRuns() async {
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var attempts = TransferAttemptsTests.transferring()
                attempts.attemptStarted(resumingAt: 0)
            },
            saying: "an attempt started in state transferring")
    }

    @Test func noAttemptCanFailOrSucceedBeforeItStarts() async {
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var attempts = TransferAttempts(maximumAttempts: 3)
                _ = attempts.attemptFailed(TransferAttemptsTests.failure(.curlTimeout))
            },
            saying: "an attempt failed in state idle")
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var attempts = TransferAttempts(maximumAttempts: 3)
                attempts.attemptSucceeded()
            },
            saying: "an attempt succeeded in state idle")
    }

    @Test func noURLIsRefreshedUnasked() async {
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var attempts = TransferAttemptsTests.transferring()
                _ = attempts.urlRefreshed()
            },
            saying: "a URL was refreshed in state transferring")
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var attempts = TransferAttempts(maximumAttempts: 3)
                _ = attempts.urlRefreshUnavailable()
            },
            saying: "no fresh URL came in state idle")
    }

    @Test func nothingHappensOnceFinished() async {
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var attempts = TransferAttemptsTests.transferring()
                attempts.attemptSucceeded()
                attempts.attemptStarted(resumingAt: 0)
            },
            saying: "an attempt started in state finished")
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var attempts = TransferAttemptsTests.transferring()
                _ = attempts.attemptFailed(TransferAttemptsTests.failure(.http(status: 404)))
                _ = attempts.attemptFailed(TransferAttemptsTests.failure(.http(status: 404)))
            },
            saying: "an attempt failed in state finished")
    }

    /// Checks that an exit test stopped on the machine's precondition, whose message contains `text`.
    static func expectStopped(
        _ result: ExitTest.Result?, saying text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let standardError = result.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(
            standardError.contains("TransferAttempts: \(text)"), "\(standardError)", sourceLocation: sourceLocation)
    }
}
