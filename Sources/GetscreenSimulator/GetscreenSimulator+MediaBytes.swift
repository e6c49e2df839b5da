extension GetscreenSimulator {
    /// The exact bytes the server serves for a recording, deterministic from (sessionID, offset).
    ///
    /// Position-addressable so that large bodies can be streamed in chunks without being held in memory:
    /// any `range` is produced independently and equals the same slice of a longer range. The file starts with
    /// an MP4 `ftyp` box and an open-ended `mdat` box header, followed by pseudo-random bytes.
    /// - Parameters:
    ///   - sessionID: The session whose recording is produced.
    ///   - range: Byte offsets into the recording; must not start below 0.
    public static func mediaBytes(sessionID: Int, range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0, "media offsets start at 0")
        return [UInt8](unsafeUninitializedCapacity: range.count) { buffer, initializedCount in
            MediaBytes.fill(UnsafeMutableRawBufferPointer(buffer), sessionID: sessionID, offset: range.lowerBound)
            initializedCount = range.count
        }
    }
}

/// Generates recording bytes: an 8-byte hash word per step, little-endian, with a fixed MP4 header on top.
enum MediaBytes {
    /// `ftyp` (isom, minor 0x200, brands isom iso2 avc1 mp41) then an `mdat` header whose size 0 means
    /// "to the end of the file", so the fake is a structurally plausible MP4 of any length.
    static let header: [UInt8] = {
        var bytes: [UInt8] = [0, 0, 0, 32]
        bytes += Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isomiso2avc1mp41".utf8)
        bytes += [0, 0, 0, 0] + Array("mdat".utf8)
        return bytes
    }()

    /// Fills `destination` with the recording bytes starting at `offset`.
    static func fill(_ destination: UnsafeMutableRawBufferPointer, sessionID: Int, offset: Int) {
        let count = destination.count
        guard count > 0 else { return }
        let key = SplitMix64.mix(UInt64(bitPattern: Int64(sessionID)) ^ 0x6765_7473_6372_6565)
        var position = offset
        var written = 0

        // Unaligned head: bytes up to the next multiple of 8.
        let misalignment = position & 7
        if misalignment != 0 {
            let word = SplitMix64.value(key: key, index: UInt64(position >> 3))
            let take = min(8 - misalignment, count)
            for byteIndex in 0..<take {
                destination[byteIndex] = UInt8(truncatingIfNeeded: word >> (UInt64(misalignment + byteIndex) * 8))
            }
            written = take
            position += take
        }

        // Aligned body: one hash step per 8 bytes.
        let base = destination.baseAddress!
        var index = UInt64(position >> 3)
        while count - written >= 8 {
            let word = SplitMix64.value(key: key, index: index)
            (base + written).storeBytes(of: word.littleEndian, as: UInt64.self)
            written += 8
            index += 1
        }

        // Tail.
        if written < count {
            let word = SplitMix64.value(key: key, index: index)
            for byteIndex in 0..<(count - written) {
                destination[written + byteIndex] = UInt8(truncatingIfNeeded: word >> (UInt64(byteIndex) * 8))
            }
        }

        // Overlay the fixed header where the range overlaps it.
        if offset < header.count {
            for headerIndex in offset..<min(header.count, offset + count) {
                destination[headerIndex - offset] = header[headerIndex]
            }
        }
    }
}
