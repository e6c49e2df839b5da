import Testing

@testable import ArchiverCore

/// Every transition of a run's publish pipeline (`PublishPipeline`), with numbers for planned recordings and names for
/// verified ones: pure, no I/O. The invalid ones stop the process, which exit tests check.
@Suite struct PublishPipelineTests {
    typealias Pipeline = PublishPipeline<Int, String>

    static let noSpace = ArchiverError.insufficientSpace(path: "/srv", neededBytes: 2, availableBytes: 1)
    static let catalogDown = ArchiverError.catalogUnavailable(path: "/c", reason: "locked")

    /// A running pipeline of `count` recordings, `transfers` at a time.
    static func started(_ count: Int = 5, transfers: Int = 2) -> Pipeline {
        var pipeline = Pipeline(Array(1...count), transfers: transfers)
        _ = pipeline.start()
        return pipeline
    }

    /// A running pipeline whose first recording, `a`, is being published.
    static func publishing() -> Pipeline {
        var pipeline = started()
        _ = pipeline.downloadSucceeded("a")
        return pipeline
    }

    @Test func startsPlanned() {
        let pipeline = Pipeline([1, 2, 3], transfers: 2)
        #expect(pipeline.state == .planned)
        #expect(Array(pipeline.planned) == [1, 2, 3])
        #expect(pipeline.downloading == 0 && pipeline.publishing == .idle && pipeline.error == nil)
    }

    @Test func theStartBeginsAtMostTransfersDownloads() {
        var pipeline = Pipeline([1, 2, 3], transfers: 2)
        #expect(pipeline.start() == [1, 2])
        #expect(pipeline.state == .running && pipeline.downloading == 2 && Array(pipeline.planned) == [3])

        var few = Pipeline([1], transfers: 4)
        #expect(few.start() == [1])
        #expect(few.state == .running && few.downloading == 1)
    }

    @Test func aPlanWithNothingToDownloadFinishesAtTheStart() {
        var pipeline = Pipeline([], transfers: 2)
        #expect(pipeline.start().isEmpty)
        #expect(pipeline.state == .finished)
    }

    @Test func aVerifiedRecordingIsPublishedAtOnceAndTheNextDownloadStarts() {
        var pipeline = Self.started()
        #expect(pipeline.downloadSucceeded("a") == Pipeline.Next(batch: ["a"], downloads: .start([3])))
        #expect(pipeline.publishing == .busy && pipeline.verified.isEmpty && pipeline.downloading == 2)
    }

    @Test func recordingsVerifiedDuringABatchWaitForTheNext() {
        var pipeline = Self.publishing()
        #expect(pipeline.downloadSucceeded("b") == Pipeline.Next(batch: nil, downloads: .start([4])))
        #expect(pipeline.downloadSucceeded("c") == Pipeline.Next(batch: nil, downloads: .start([5])))
        #expect(pipeline.verified == ["b", "c"] && pipeline.publishing == .busy)
    }

    @Test func aFailedDownloadMakesRoomForTheNext() {
        var pipeline = Self.started()
        #expect(pipeline.downloadFailed() == Pipeline.Next(batch: nil, downloads: .start([3])))
        #expect(pipeline.state == .running && pipeline.downloading == 2 && pipeline.error == nil)
    }

    @Test func theLastDownloadToEndFinishesWhenNothingIsPublished() {
        var pipeline = Self.started(2, transfers: 2)
        #expect(pipeline.downloadFailed() == Pipeline.Next(batch: nil, downloads: .unchanged))
        #expect(pipeline.state == .running)
        #expect(pipeline.downloadFailed() == Pipeline.Next(batch: nil, downloads: .unchanged))
        #expect(pipeline.state == .finished)
    }

    @Test func aPublishedBatchLetsTheWaitingOnesFormTheNextWithoutStartingADownload() {
        var pipeline = Self.publishing()
        _ = pipeline.downloadSucceeded("b")
        _ = pipeline.downloadSucceeded("c")
        #expect(
            pipeline.batchPublished(stoppingRunWith: nil) == Pipeline.Next(batch: ["b", "c"], downloads: .unchanged))
        #expect(pipeline.publishing == .busy && pipeline.verified.isEmpty && pipeline.downloading == 2)
    }

    @Test func withAWaitingLimitDownloadsWaitForTheBatchThatTakesTheWaitingOnes() {
        var pipeline = Pipeline(Array(1...6), transfers: 2, waitingLimit: 1)
        #expect(pipeline.start() == [1, 2])
        #expect(pipeline.downloadSucceeded("a") == Pipeline.Next(batch: ["a"], downloads: .start([3])))
        #expect(pipeline.downloadSucceeded("b") == Pipeline.Next(batch: nil, downloads: .start([4])))
        // Downloading 1 and waiting 2 reach transfers + waitingLimit: the next start is held.
        #expect(pipeline.downloadSucceeded("c") == Pipeline.Next(batch: nil, downloads: .unchanged))
        #expect(pipeline.downloadSucceeded("d") == Pipeline.Next(batch: nil, downloads: .unchanged))
        #expect(pipeline.heldStarts == 2 && pipeline.downloading == 0 && pipeline.state == .running)
        // The next batch takes the three waiting ones, and the two held starts go ahead together.
        #expect(
            pipeline.batchPublished(stoppingRunWith: nil)
                == Pipeline.Next(batch: ["b", "c", "d"], downloads: .start([5, 6])))
        #expect(pipeline.heldStarts == 0 && pipeline.downloading == 2 && pipeline.planned.isEmpty)
    }

    @Test func withoutAWaitingLimitDownloadsNeverWaitForABatch() {
        var pipeline = Pipeline(Array(1...6), transfers: 2)
        _ = pipeline.start()
        _ = pipeline.downloadSucceeded("a")
        _ = pipeline.downloadSucceeded("b")
        #expect(pipeline.downloadSucceeded("c") == Pipeline.Next(batch: nil, downloads: .start([5])))
        #expect(pipeline.downloadSucceeded("d") == Pipeline.Next(batch: nil, downloads: .start([6])))
    }

    @Test func aPublishedBatchWithNothingWaitingLeavesPublishingIdle() {
        var pipeline = Self.publishing()
        #expect(pipeline.batchPublished(stoppingRunWith: nil) == Pipeline.Next(batch: nil, downloads: .unchanged))
        #expect(pipeline.publishing == .idle && pipeline.state == .running)
    }

    @Test func theLastBatchToBePublishedFinishes() {
        var pipeline = Self.started(1, transfers: 1)
        #expect(pipeline.downloadSucceeded("a") == Pipeline.Next(batch: ["a"], downloads: .unchanged))
        #expect(pipeline.state == .running, "a batch is being published")
        #expect(pipeline.batchPublished(stoppingRunWith: nil) == Pipeline.Next(batch: nil, downloads: .unchanged))
        #expect(pipeline.state == .finished && pipeline.error == nil)
    }

    @Test func anErrorFromADownloadStopsTheRunButWhatIsVerifiedIsStillPublished() {
        var pipeline = Self.started()
        _ = pipeline.downloadSucceeded("a")
        _ = pipeline.downloadSucceeded("b")
        #expect(pipeline.downloadStoppedRun(Self.noSpace) == Pipeline.Next(batch: nil, downloads: .cancelAll))
        #expect(pipeline.state == .stopping && pipeline.error?.code == .noSpace)
        #expect(pipeline.batchPublished(stoppingRunWith: nil) == Pipeline.Next(batch: ["b"], downloads: .cancelAll))
        #expect(pipeline.downloadFailed() == Pipeline.Next(batch: nil, downloads: .cancelAll), "nothing starts")
        #expect(Array(pipeline.planned) == [5])
    }

    @Test func anErrorFromABatchStopsTheRunAndAnyFurtherPublishing() {
        var pipeline = Self.publishing()
        _ = pipeline.downloadSucceeded("b")
        #expect(
            pipeline.batchPublished(stoppingRunWith: Self.catalogDown)
                == Pipeline.Next(batch: nil, downloads: .cancelAll))
        #expect(pipeline.publishing == .failed && pipeline.state == .stopping)
        #expect(pipeline.error?.code == .catalogUnavailable)
        #expect(pipeline.downloadSucceeded("c") == Pipeline.Next(batch: nil, downloads: .cancelAll))
        #expect(pipeline.verified == ["b", "c"], "left unpublished")
        #expect(pipeline.downloadFailed() == Pipeline.Next(batch: nil, downloads: .cancelAll))
        #expect(pipeline.state == .finished)
    }

    @Test func theFirstErrorIsTheOneKept() {
        var pipeline = Self.publishing()
        _ = pipeline.downloadStoppedRun(Self.noSpace)
        _ = pipeline.batchPublished(stoppingRunWith: Self.catalogDown)
        #expect(pipeline.error?.code == .noSpace)
    }

    @Test func aCancelledRunStartsNothingAndCancelsTheDownloadsButStillPublishes() {
        var pipeline = Self.started()
        pipeline.runCancelled()
        #expect(pipeline.state == .stopping && pipeline.error == nil)
        #expect(pipeline.downloadSucceeded("a") == Pipeline.Next(batch: ["a"], downloads: .cancelAll))
        #expect(pipeline.downloadFailed() == Pipeline.Next(batch: nil, downloads: .cancelAll))
        #expect(pipeline.state == .stopping, "a batch is being published")
        #expect(pipeline.batchPublished(stoppingRunWith: nil) == Pipeline.Next(batch: nil, downloads: .cancelAll))
        #expect(pipeline.state == .finished && pipeline.error == nil)
    }

    @Test func aCancellationWhileStoppingChangesNothing() {
        var pipeline = Self.started()
        _ = pipeline.downloadStoppedRun(Self.noSpace)
        pipeline.runCancelled()
        #expect(pipeline.state == .stopping && pipeline.error?.code == .noSpace)
    }

    @Test func anErrorAfterTheCancellationIsKept() {
        var pipeline = Self.started()
        pipeline.runCancelled()
        _ = pipeline.downloadStoppedRun(Self.noSpace)
        #expect(pipeline.error?.code == .noSpace)
    }

    // The events a state does not expect: a bug in the driver, which stops the process.

    @Test func theRunStartsOnce() async {
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var pipeline = PublishPipelineTests.started()
                _ = pipeline.start()
            },
            saying: "the run started in state running")
    }

    @Test func noDownloadEndsBeforeTheStartOrWhenNoneRuns() async {
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var pipeline = PublishPipelineTests.Pipeline([1], transfers: 1)
                _ = pipeline.downloadFailed()
            },
            saying: "a download ended in state planned")
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var pipeline = PublishPipelineTests.started(1, transfers: 1)
                _ = pipeline.downloadFailed()
                _ = pipeline.downloadSucceeded("a")
            },
            saying: "a download ended in state finished, 0 downloading")
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var pipeline = PublishPipelineTests.started(2, transfers: 1)
                _ = pipeline.downloadSucceeded("a")  // being published: not finished
                _ = pipeline.downloadStoppedRun(PublishPipelineTests.noSpace)
                _ = pipeline.downloadStoppedRun(PublishPipelineTests.noSpace)
            },
            saying: "a download ended in state stopping, 0 downloading")
    }

    @Test func noBatchIsPublishedUnasked() async {
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var pipeline = PublishPipelineTests.started()
                _ = pipeline.batchPublished(stoppingRunWith: nil)
            },
            saying: "a batch was published in state running, 2 downloading, publishing idle")
    }

    @Test func aRunIsCancelledOnlyWhileItRuns() async {
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var pipeline = PublishPipelineTests.Pipeline([1], transfers: 1)
                pipeline.runCancelled()
            },
            saying: "the run was cancelled in state planned")
        Self.expectStopped(
            await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                var pipeline = PublishPipelineTests.Pipeline([], transfers: 1)
                _ = pipeline.start()
                pipeline.runCancelled()
            },
            saying: "the run was cancelled in state finished")
    }

    /// Checks that an exit test stopped on the pipeline's precondition, whose message contains `text`.
    static func expectStopped(
        _ result: ExitTest.Result?, saying text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let standardError = result.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(
            standardError.contains("PublishPipeline: \(text)"), "\(standardError)", sourceLocation: sourceLocation)
    }
}
