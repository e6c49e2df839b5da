extension ArchiveTimeZone {
    /// A zone's offsets over time, as read from its TZif file (RFC 8536).
    final class Rules: Sendable {
        /// UTC: no transitions, offset 0.
        public static let utc = Rules(transitionTimes: [], offsets: [], initialOffset: 0, footer: nil)

        /// Unix times at which the offset changes, strictly ascending.
        let transitionTimes: [Int64]
        /// The offset in effect from each transition on, one per transition.
        let offsets: [Int]
        /// The offset before the first transition: that of time type 0 (RFC 8536 §3.2).
        let initialOffset: Int
        /// The footer's rule, for instants on or after the last transition; nil when the file has no footer (version
        /// 1) or one that is empty or not understood, and then the last transition's offset stays in effect.
        let footer: POSIXRule?

        init(transitionTimes: [Int64], offsets: [Int], initialOffset: Int, footer: POSIXRule?) {
            self.transitionTimes = transitionTimes
            self.offsets = offsets
            self.initialOffset = initialOffset
            self.footer = footer
        }

        /// Parses a TZif file: the 64-bit data and the footer of version 2 and later, the 32-bit data of version 1.
        ///
        /// Nil when the bytes are not a well-formed TZif file: every count is checked against the bytes present, so
        /// a truncated or hostile file is refused, never read out of bounds. Files with leap-second records (the
        /// `right/` zones) are refused too: their transition times count leap seconds, which Unix time does not.
        convenience init?(tzif bytes: [UInt8]) {
            var reader = TZifReader(bytes: bytes)
            guard var header = reader.header() else { return nil }
            var timeSize = 4
            if header.version >= UInt8(ascii: "2") {
                guard reader.skip(header.dataBlockSize(timeSize: 4)), let secondHeader = reader.header() else {
                    return nil
                }
                header = secondHeader
                timeSize = 8
            } else if header.version != 0 {
                return nil
            }
            guard let block = reader.dataBlock(header, timeSize: timeSize) else { return nil }
            var footer: POSIXRule?
            if timeSize == 8 {
                guard let text = reader.footer() else { return nil }
                footer = POSIXRule(text)
            }
            self.init(
                transitionTimes: block.transitionTimes, offsets: block.offsets, initialOffset: block.initialOffset,
                footer: footer)
        }

        /// The offset from UTC in seconds at `instant` (Unix seconds).
        func secondsFromGMT(at instant: Int64) -> Int {
            // Binary search for the number of transitions at or before `instant`.
            var low = 0
            var high = transitionTimes.count
            while low < high {
                let middle = (low + high) / 2
                if transitionTimes[middle] <= instant { low = middle + 1 } else { high = middle }
            }
            // On or after the last transition, or at any instant when there are none, the footer decides (§3.2).
            if low == transitionTimes.count, let footer { return footer.secondsFromGMT(at: instant) }
            return low == 0 ? initialOffset : offsets[low - 1]
        }
    }
}

/// The counts of a TZif header (RFC 8536 §3.1).
private struct TZifHeader {
    let version: UInt8
    let utIndicatorCount: Int
    let standardIndicatorCount: Int
    let leapCount: Int
    let transitionCount: Int
    let typeCount: Int
    let designationByteCount: Int

    /// The size of the data block that follows the header (§3.2).
    func dataBlockSize(timeSize: Int) -> Int {
        transitionCount * (timeSize + 1) + typeCount * 6 + designationByteCount + leapCount * (timeSize + 4)
            + standardIndicatorCount + utIndicatorCount
    }
}

/// Reads a TZif file front to back; every read checks the bytes left and returns nil past the end.
private struct TZifReader {
    private let bytes: [UInt8]
    private var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func header() -> TZifHeader? {
        guard let magic = take(4), magic.elementsEqual("TZif".utf8), let version = take(1)?.first, skip(15),
            let utCount = count(), let standardCount = count(), let leapCount = count(),
            let transitionCount = count(), let typeCount = count(), let designationCount = count()
        else { return nil }
        return TZifHeader(
            version: version, utIndicatorCount: utCount, standardIndicatorCount: standardCount, leapCount: leapCount,
            transitionCount: transitionCount, typeCount: typeCount, designationByteCount: designationCount)
    }

    /// The transitions and offsets of the data block described by `header`; nil when the block is cut short, has
    /// no time type, leap seconds, transitions out of order or a transition to a time type that does not exist.
    mutating func dataBlock(
        _ header: TZifHeader,
        timeSize: Int
    ) -> (transitionTimes: [Int64], offsets: [Int], initialOffset: Int)? {
        // Checked before anything is allocated, so absurd counts cost nothing.
        guard header.typeCount > 0, header.leapCount == 0,
            header.dataBlockSize(timeSize: timeSize) <= bytes.count - position
        else { return nil }
        var times: [Int64] = []
        times.reserveCapacity(header.transitionCount)
        for _ in 0..<header.transitionCount {
            guard let time = signed(byteCount: timeSize), times.last.map({ $0 < time }) ?? true else { return nil }
            times.append(time)
        }
        guard let typeIndices = take(header.transitionCount) else { return nil }
        var typeOffsets: [Int] = []
        for _ in 0..<header.typeCount {
            // utoff, then isdst and desigidx, which offsets do not need.
            guard let offset = signed(byteCount: 4), skip(2) else { return nil }
            typeOffsets.append(Int(offset))
        }
        guard typeIndices.allSatisfy({ Int($0) < header.typeCount }),
            skip(header.designationByteCount + header.standardIndicatorCount + header.utIndicatorCount)
        else { return nil }
        return (times, typeIndices.map { typeOffsets[Int($0)] }, typeOffsets[0])
    }

    /// The footer's TZ string (§3.3): the text between the newline that starts it and the next.
    mutating func footer() -> String? {
        let newline = UInt8(ascii: "\n")
        guard take(1)?.first == newline, let end = bytes[position...].firstIndex(of: newline) else { return nil }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    mutating func skip(_ count: Int) -> Bool {
        take(count) != nil
    }

    private mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count <= bytes.count - position else { return nil }
        defer { position += count }
        return bytes[position..<position + count]
    }

    /// A four-byte unsigned big-endian count.
    private mutating func count() -> Int? {
        guard let slice = take(4) else { return nil }
        return slice.reduce(0) { $0 << 8 | Int($1) }
    }

    /// A signed big-endian integer of `byteCount` bytes (4 or 8), two's complement.
    private mutating func signed(byteCount: Int) -> Int64? {
        guard let slice = take(byteCount) else { return nil }
        let shift = UInt64(64 - 8 * byteCount)
        return Int64(bitPattern: slice.reduce(0) { $0 << 8 | UInt64($1) } << shift) >> shift
    }
}
