/// At most `count` uploads at once, across all the batches a run publishes side by side: a counting semaphore whose
/// waiters go first come, first served.
actor UploadSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Slots for `count` uploads at once (at least one).
    init(_ count: Int) {
        free = max(count, 1)
    }

    /// Runs `body` once a slot is free, and frees it afterwards.
    func run<Result: Sendable>(_ body: @Sendable () async -> Result) async -> Result {
        await acquire()
        let result = await body()
        release()
        return result
    }

    private func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
