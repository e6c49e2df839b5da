/// SplitMix64: a tiny, fast, well-mixed generator; deterministic across platforms and Swift versions,
/// unlike `SystemRandomNumberGenerator`. Also used as a stateless hash for position-addressable media bytes.
struct SplitMix64: RandomNumberGenerator {
    private static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    private var state: UInt64

    /// Creates a generator whose sequence is fully determined by `seed`.
    init(seed: UInt64) {
        self.state = seed
    }

    /// Returns the next value of the sequence.
    mutating func next() -> UInt64 {
        state &+= Self.golden
        return Self.mix(state)
    }

    /// The SplitMix64 finalizer: a bijective avalanche of `value`.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The `index`-th output of a sequence keyed by `key`, computed without walking the sequence.
    @inline(__always)
    static func value(key: UInt64, index: UInt64) -> UInt64 {
        mix(key &+ (index &+ 1) &* golden)
    }
}
