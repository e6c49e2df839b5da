/// The sessions a simulator starts with.
public struct SimulatorDataset: Sendable {
    /// The sessions, in any order (the server sorts them newest first).
    public var sessions: [SimulatedSession]

    /// Creates a dataset from explicit sessions.
    public init(sessions: [SimulatedSession]) {
        self.sessions = sessions
    }

    /// A deterministic, realistic-looking dataset.
    ///
    /// The same arguments always give the same dataset. Agents get names such as `DESKTOP-7QK2M4P` or
    /// `Accounting-PC` and optional groups; session ids increase with start time; starts are spread over the
    /// days before `endingAt` and every session stops by `endingAt`; sizes are uniform in `sizeRange`;
    /// about a quarter of the sessions carry a `support_id`.
    /// - Parameters:
    ///   - seed: Selects the dataset.
    ///   - sessionCount: Number of sessions (0 gives an empty dataset).
    ///   - agentCount: Number of distinct agents (at least 1 is used).
    ///   - sizeRange: Recording sizes in bytes; must not go below 0.
    ///   - endingAt: Unix time by which every session has stopped.
    public static func seeded(
        seed: UInt64,
        sessionCount: Int,
        agentCount: Int = 3,
        sizeRange: ClosedRange<Int> = 20_000...400_000,
        endingAt: Int = 1_780_000_000
    ) -> SimulatorDataset {
        precondition(sessionCount >= 0, "sessionCount must not be negative")
        precondition(sizeRange.lowerBound >= 0, "sizeRange must not go below 0")
        var generator = SplitMix64(seed: seed)
        let agents = (0..<max(1, agentCount)).map { makeAgent(index: $0, using: &generator) }

        let day = 86_400
        let span = max(30 * day, sessionCount * 900)
        let maximumDuration = 2 * 3_600
        var timings: [(start: Int, stop: Int)] = (0..<sessionCount).map { _ in
            let start = endingAt - maximumDuration - Int.random(in: 0...span, using: &generator)
            let duration = Int.random(in: 30...maximumDuration, using: &generator)
            return (start, start + duration)
        }
        timings.sort { $0.start < $1.start }

        var nextID = 10_500_000 + Int.random(in: 0..<100_000, using: &generator)
        let sessions = timings.map { timing -> SimulatedSession in
            nextID += Int.random(in: 1...40, using: &generator)
            let agent = agents[Int.random(in: 0..<agents.count, using: &generator)]
            let supportID =
                Int.random(in: 0..<4, using: &generator) == 0
                ? Int.random(in: 1_000...999_999, using: &generator) : nil
            return SimulatedSession(
                id: nextID,
                uid: "\(timing.start)" + randomToken(length: 32, using: &generator) + "\(agent.id)",
                start: timing.start,
                stop: timing.stop,
                supportID: supportID,
                agent: agent,
                videoSize: Int.random(in: sizeRange, using: &generator)
            )
        }
        return SimulatorDataset(sessions: sessions)
    }

    private static let fixedNames = [
        "Accounting-PC", "Reception-01", "Warehouse-Kiosk", "MacBook-Pro-Anna", "Server-Room-2", "Dr-Miller-Office",
    ]
    private static let groups: [String?] = ["Accounting", "Front Desk", nil, "Warehouse", "Clinic", nil]

    private static func makeAgent(index: Int, using generator: inout SplitMix64) -> SimulatedAgent {
        let name: String
        switch Int.random(in: 0..<3, using: &generator) {
        case 0: name = "DESKTOP-" + randomToken(length: 7, uppercase: true, using: &generator)
        case 1: name = "LAPTOP-" + randomToken(length: 8, uppercase: true, using: &generator)
        default: name = fixedNames[index % fixedNames.count]
        }
        return SimulatedAgent(
            id: 1_400_000 + index * 1_000 + Int.random(in: 0..<1_000, using: &generator),
            name: name,
            group: groups.randomElement(using: &generator) ?? nil
        )
    }

    private static func randomToken(length: Int, uppercase: Bool = false, using generator: inout SplitMix64) -> String {
        let alphabet = Array(
            uppercase
                ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        )
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
