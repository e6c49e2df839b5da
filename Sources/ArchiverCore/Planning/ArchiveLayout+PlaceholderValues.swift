import FoundationEssentials

extension ArchiveLayout {
    /// A recording's start in the layout's time zone.
    struct LocalTime {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int
    }

    /// The unsanitized text of every placeholder for one recording.
    struct PlaceholderValues {
        private let fields: LayoutFields
        private let time: LocalTime

        init(fields: LayoutFields, time: LocalTime) {
            self.fields = fields
            self.time = time
        }

        subscript(placeholder: Placeholder) -> String {
            switch placeholder {
            case .agentID: String(fields.agentID)
            case .agentName: fields.agentName
            case .agentGroup:
                fields.agentGroup.flatMap { $0.trimmingWhitespaceAndNewlines().isEmpty ? nil : $0 } ?? "no-group"
            case .sessionID: String(fields.sessionID)
            case .supportID: fields.supportID.map(String.init) ?? "none"
            case .year: Self.padded(time.year, 4)
            case .month: Self.padded(time.month, 2)
            case .day: Self.padded(time.day, 2)
            case .hour: Self.padded(time.hour, 2)
            case .minute: Self.padded(time.minute, 2)
            case .second: Self.padded(time.second, 2)
            case .date: Self.padded(time.year, 4) + "-" + Self.padded(time.month, 2) + "-" + Self.padded(time.day, 2)
            case .time: Self.padded(time.hour, 2) + Self.padded(time.minute, 2) + Self.padded(time.second, 2)
            }
        }

        /// `value` in decimal, zero-padded to `width` (2 or 4) digits.
        private static func padded(_ value: Int, _ width: Int) -> String {
            guard value >= 0, value < (width == 4 ? 10_000 : 100) else { return String(value) }
            var digits: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            return withUnsafeMutableBytes(of: &digits) { buffer in
                var remaining = value
                for index in stride(from: width - 1, through: 0, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                    remaining /= 10
                }
                return String(decoding: buffer.prefix(width), as: UTF8.self)
            }
        }
    }
}
