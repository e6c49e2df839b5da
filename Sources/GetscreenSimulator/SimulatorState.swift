import Synchronization

/// Everything the server's connections share: the dataset, the faults and the counters, behind one `Mutex`.
///
/// Event-loop threads and test code both call in; every access is a short critical section and nothing
/// blocks or performs I/O while holding the lock.
final class SimulatorState: Sendable {
    /// The mutable part, only touched inside `storage.withLock`.
    struct Storage {
        /// Sessions by id.
        var sessionsByID: [Int: SimulatedSession] = [:]
        /// The same sessions, start descending then id descending (the listing order).
        var sessionsNewestFirst: [SimulatedSession] = []
        var faults: SimulatorFaults
        var counters = SimulatorCounters()
        /// Media responses currently streaming.
        var mediaInFlight = 0
        /// The bound port, 0 before `start()`.
        var port = 0

        mutating func upsert(_ sessions: [SimulatedSession]) {
            for session in sessions {
                sessionsByID[session.id] = session
            }
            resort()
        }

        mutating func remove(_ ids: Set<Int>) {
            for id in ids {
                sessionsByID[id] = nil
            }
            resort()
        }

        private mutating func resort() {
            sessionsNewestFirst = sessionsByID.values.sorted {
                ($0.start, $0.id) > ($1.start, $1.id)
            }
        }

        /// The injected fault for the current `history/list` request, if any.
        func listFault() -> SimulatedFault? {
            faults.listFaults[counters.listRequests]
        }

        /// The next injected fault for `sessionID`'s recording, if any.
        mutating func takeMediaFault(sessionID: Int) -> SimulatedFault? {
            guard var pending = faults.mediaFaults[sessionID], !pending.isEmpty else { return nil }
            let fault = pending.removeFirst()
            faults.mediaFaults[sessionID] = pending
            return fault
        }

        /// Applies `faults.listDrift` once: new sessions at the newest end, the oldest ones expired.
        mutating func drift() {
            guard let drift = faults.listDrift, let newest = sessionsNewestFirst.first else { return }
            let template = newest
            let maxID = sessionsByID.keys.max() ?? 0
            let added = (0..<drift.insertedNewest).map { index in
                SimulatedSession(
                    id: maxID + 1 + index,
                    uid: "drift-\(maxID + 1 + index)",
                    start: newest.start + 60 * (index + 1),
                    stop: newest.start + 60 * (index + 1) + 30,
                    agent: template.agent,
                    videoSize: template.videoSize
                )
            }
            let expired = Set(sessionsNewestFirst.suffix(drift.expiredOldest).map(\.id))
            for id in expired { sessionsByID[id] = nil }
            upsert(added)
            if added.isEmpty { resort() }
        }
    }

    /// The key every request must present (header for the API, `apikey` query parameter for media).
    let apiKey: String
    let storage: Mutex<Storage>

    init(dataset: SimulatorDataset, apiKey: String, faults: SimulatorFaults) {
        var storage = Storage(faults: faults)
        storage.upsert(dataset.sessions)
        self.apiKey = apiKey
        self.storage = Mutex(storage)
    }

    /// Counts an accepted TCP connection.
    func connectionAccepted() {
        storage.withLock { $0.counters.connectionsAccepted += 1 }
    }

    /// Counts a media response that starts streaming and updates the peak.
    func mediaResponseStarted() {
        storage.withLock {
            $0.mediaInFlight += 1
            $0.counters.maxConcurrentMediaResponses = max($0.counters.maxConcurrentMediaResponses, $0.mediaInFlight)
        }
    }

    /// Counts a media response whose last byte was handed to the channel, or whose connection closed first.
    func mediaResponseEnded() {
        storage.withLock { $0.mediaInFlight -= 1 }
    }
}
