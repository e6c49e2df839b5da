/// A run's recordings on their way from the plan into the archive, as a state machine: `ArchiveJob` tells it what
/// each download and each published batch came to, and it answers which download to start, which recordings to
/// publish, and when to cancel the downloads in flight. A value with no I/O, in the manner of async-http-client's
/// `Transaction+StateMachine`, so that every rule below is tested on its own (`PublishPipelineTests`).
///
/// Each recording goes from `planned` to `downloading`, then, complete and size-checked, to `verified`, where it
/// waits for the next batch; a batch is flushed, moved into place and catalogued together (`publishing`). A download
/// or a recording of a batch may fail on the way; the job reports those.
/// - At most `transfers` downloads run; while the run goes on, the next planned one starts as one ends.
/// - One batch is published at a time: the recordings verified meanwhile wait and form the next one, so that
///   transfers never wait for a flush, and the number of flushes adapts to how long one takes.
/// - With a `waitingLimit` (a bucket, whose uploads may be slower than the downloads), no download starts while the
///   recordings downloading and waiting reach `transfers + waitingLimit`: the starts are held until the next batch
///   takes the waiting ones, so that the local spool never holds more than `2 × (transfers + waitingLimit)`.
/// - An error that stops the run (from a download or a batch), or the run's cancellation, stops the scheduling and
///   cancels the downloads in flight. What is verified is still published (it costs nothing to keep), unless
///   publishing itself failed.
/// - The pipeline is finished when no download runs and no batch is being published.
///
/// An event that its state does not expect (a download that ends while none runs, any event once finished) is a bug
/// in the driver and stops the process (`preconditionFailure`), as in async-http-client.
struct PublishPipeline<Planned: Sendable, Completed: Sendable>: Sendable {
    /// Where the run stands.
    enum State: Sendable, Equatable {
        /// Nothing started yet.
        case planned
        /// Downloads run, and the next planned one starts as one ends.
        case running
        /// The run stops (an error, or its cancellation): no download starts, those in flight are cancelled.
        case stopping
        /// No download runs and no batch is being published.
        case finished
    }

    /// Where the publishing of batches stands.
    enum Publishing: Sendable, Equatable {
        /// No batch is being published.
        case idle
        /// A batch is being published.
        case busy
        /// A batch could not be published (the archive or the catalog cannot be written): no other one is tried.
        case failed
    }

    /// What the driver does about the downloads after an event.
    enum Downloads: Sendable {
        /// Nothing.
        case unchanged
        /// Start the downloads of these planned recordings.
        case start([Planned])
        /// Cancel the downloads in flight; they end with an error or their cancellation.
        case cancelAll
    }

    /// What the driver does after an event: first publish `batch`, when there is one, then see to `downloads`.
    struct Next: Sendable {
        /// The verified recordings to publish as one batch, then report with `batchPublished(stoppingRunWith:)`.
        var batch: [Completed]?
        /// What to do about the downloads.
        var downloads: Downloads
    }

    /// How many downloads run at most (`--transfers`).
    let transfers: Int
    /// How many recordings beyond `transfers` may be downloading or waiting for a batch; nil: no limit.
    let waitingLimit: Int?
    /// Where the run stands.
    private(set) var state = State.planned
    /// The recordings not started yet.
    private(set) var planned: ArraySlice<Planned>
    /// How many downloads run.
    private(set) var downloading = 0
    /// Downloads that ended while the waiting limit was reached, whose successors start once a batch takes the
    /// waiting recordings.
    private(set) var heldStarts = 0
    /// The recordings complete and checked, waiting for the next batch.
    private(set) var verified: [Completed] = []
    /// Where the publishing of batches stands.
    private(set) var publishing = Publishing.idle
    /// The first error that stopped the run, which the job throws once the pipeline is finished.
    private(set) var error: ArchiverError?

    /// The pipeline of `planned` recordings, downloaded at most `transfers` at a time, with at most
    /// `transfers + waitingLimit` downloading or waiting for a batch when `waitingLimit` is set.
    init(_ planned: [Planned], transfers: Int, waitingLimit: Int? = nil) {
        self.planned = planned[...]
        self.transfers = transfers
        self.waitingLimit = waitingLimit.map { max($0, 0) }
    }

    /// The run starts.
    /// - Returns: the recordings whose downloads start now, at most `transfers`.
    mutating func start() -> [Planned] {
        guard state == .planned else { invalid("the run started") }
        let first = planned.prefix(max(transfers, 0))
        planned = planned.dropFirst(first.count)
        downloading = first.count
        state = .running
        finishIfIdle()
        return Array(first)
    }

    /// A download completed the recording `download`, checked and ready to publish.
    mutating func downloadSucceeded(_ download: Completed) -> Next {
        downloadEnded()
        verified.append(download)
        return next(afterDownload: true)
    }

    /// A download failed for its recording alone, or was cancelled; the job reports the failure.
    mutating func downloadFailed() -> Next {
        downloadEnded()
        return next(afterDownload: true)
    }

    /// A download failed with an error that stops the run.
    mutating func downloadStoppedRun(_ error: ArchiverError) -> Next {
        downloadEnded()
        stop(error)
        return next(afterDownload: true)
    }

    /// The batch being published is done: its recordings are archived or failed one by one, or `error` (the archive
    /// or the catalog cannot be written) stops the run and any further publishing.
    mutating func batchPublished(stoppingRunWith error: ArchiverError?) -> Next {
        guard publishing == .busy else { invalid("a batch was published") }
        if let error {
            publishing = .failed
            stop(error)
        } else {
            publishing = .idle
        }
        return next(afterDownload: false)
    }

    /// The run was cancelled (a signal): no download starts any more, and the next event cancels those in flight.
    mutating func runCancelled() {
        switch state {
        case .running: state = .stopping
        case .stopping: break
        case .planned, .finished: invalid("the run was cancelled")
        }
    }

    private mutating func downloadEnded() {
        guard downloading > 0, state == .running || state == .stopping else { invalid("a download ended") }
        downloading -= 1
    }

    private mutating func stop(_ error: ArchiverError) {
        self.error = self.error ?? error
        state = .stopping
    }

    /// What follows an event: a batch of what is verified when none is being published, then the next download
    /// (after a download ended and while the run goes on) or the cancellation of those in flight (once it stops).
    private mutating func next(afterDownload: Bool) -> Next {
        var next = Next(batch: nil, downloads: .unchanged)
        if publishing == .idle, !verified.isEmpty {
            next.batch = verified
            verified = []
            publishing = .busy
        }
        if state == .stopping {
            next.downloads = .cancelAll
        } else {
            if afterDownload { heldStarts += 1 }
            var starts: [Planned] = []
            while heldStarts > 0, hasRoomToStart, let item = planned.popFirst() {
                heldStarts -= 1
                downloading += 1
                starts.append(item)
            }
            if planned.isEmpty { heldStarts = 0 }
            if !starts.isEmpty { next.downloads = .start(starts) }
        }
        finishIfIdle()
        return next
    }

    /// Whether the waiting limit lets another download start.
    private var hasRoomToStart: Bool {
        guard let waitingLimit else { return true }
        return downloading + verified.count < transfers + waitingLimit
    }

    private mutating func finishIfIdle() {
        if downloading == 0, publishing != .busy { state = .finished }
    }

    private func invalid(_ event: String) -> Never {
        preconditionFailure(
            "PublishPipeline: \(event) in state \(state), \(downloading) downloading, publishing \(publishing)")
    }
}

extension PublishPipeline.Downloads: Equatable where Planned: Equatable {}

extension PublishPipeline.Next: Equatable where Planned: Equatable, Completed: Equatable {}
