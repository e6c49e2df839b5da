import ArchiverTestSupport
import Foundation
import Testing

@testable import ArchiverCore
@testable import SQLite

/// The catalog's failing sessions (migration v2) on real SQLite files.
@Suite struct CatalogFailingSessionsTests {
    func withCatalog(_ body: (Catalog, String) throws -> Void) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        try body(try Catalog.open(at: path, isOnShare: false), path)
    }

    @Test func roundTripsUpdatesAndResolvesInOneTransaction() throws {
        try withCatalog { catalog, path in
            var first = FailureLedgerTests.failing(1)
            var second = FailureLedgerTests.failing(
                2, code: .invalidItem, since: FailureLedgerTests.day.addingTimeInterval(5))
            second.itemJSON = nil
            try catalog.updateFailingSessions([second, first], resolving: [])
            #expect(try catalog.failingSessions() == [first, second])

            first.recordFailure(
                code: .http(status: 500), reason: "later", itemJSON: nil,
                at: FailureLedgerTests.day.addingTimeInterval(60))
            try catalog.updateFailingSessions([first], resolving: [2])
            #expect(try Catalog.open(at: path, isOnShare: false).failingSessions() == [first])
            #expect(try Catalog.openReadOnly(at: path).failingSessions() == [first])
        }
    }

    @Test func storesTheSlugAndReadsACodeItDoesNotKnowAsItIs() throws {
        try withCatalog { catalog, path in
            try catalog.updateFailingSessions([FailureLedgerTests.failing(1, code: .http(status: 410))], resolving: [])
            let connection = try SQLiteConnectionTests.open(path)
            let stored: String? = try connection.firstValue("SELECT code FROM failing_session WHERE session_id = 1")
            #expect(stored == "http_410")
            // As another version of the archiver may have written it.
            try connection.execute("UPDATE failing_session SET code = 'from_another_version' WHERE session_id = 1")

            let read = try #require(try catalog.failingSessions().first)
            #expect(read.code == .unrecognized("from_another_version"))
            #expect(read.listingLine.contains("  from_another_version  "), "\(read.listingLine)")
            try catalog.updateFailingSessions([read], resolving: [])
            let kept: String? = try connection.firstValue("SELECT code FROM failing_session WHERE session_id = 1")
            #expect(kept == "from_another_version")
        }
    }

    @Test func cataloguingARecordingEndsItsFailure() throws {
        try withCatalog { catalog, _ in
            try catalog.updateFailingSessions(
                [FailureLedgerTests.failing(1), FailureLedgerTests.failing(2)], resolving: [])
            try catalog.record([CatalogTests.entry(2)])
            #expect(try catalog.failingSessions().map(\.sessionID) == [1])
        }
    }

    @Test func acknowledgesAllOrNone() throws {
        try withCatalog { catalog, _ in
            try catalog.updateFailingSessions((1...3).map { FailureLedgerTests.failing($0) }, resolving: [])

            let refused = try catalog.acknowledgeFailingSessions([1, 9, 8])
            #expect(refused.acknowledged.isEmpty && refused.unknown == [8, 9])
            #expect(try catalog.failingSessions().allSatisfy { !$0.isAcknowledged })

            let one = try catalog.acknowledgeFailingSessions([2])
            #expect(one.acknowledged.map(\.sessionID) == [2] && one.acknowledged[0].isAcknowledged)
            #expect(try catalog.failingSessions().filter(\.isAcknowledged).map(\.sessionID) == [2])

            let rest = try catalog.acknowledgeFailingSessions(nil)
            #expect(rest.acknowledged.map(\.sessionID) == [1, 3] && rest.unknown.isEmpty)
            #expect(try catalog.failingSessions().allSatisfy(\.isAcknowledged))
            // A later run's update keeps the acknowledgement it read.
            #expect(try FailureLedger(catalog.failingSessions()).acknowledgedIDs == [1, 2, 3])
        }
    }
}
