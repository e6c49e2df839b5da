import Foundation

extension ArchiveLayout {
    /// The unsanitized text of every placeholder for one recording.
    struct PlaceholderValues {
        private let fields: LayoutFields
        private let date: DateComponents

        init(fields: LayoutFields, date: DateComponents) {
            self.fields = fields
            self.date = date
        }

        subscript(placeholder: Placeholder) -> String {
            switch placeholder {
            case .agentID: String(fields.agentID)
            case .agentName: fields.agentName
            case .agentGroup:
                fields.agentGroup.flatMap { $0.trimmingWhitespaceAndNewlines().isEmpty ? nil : $0 } ?? "no-group"
            case .sessionID: String(fields.sessionID)
            case .supportID: fields.supportID.map(String.init) ?? "none"
            case .year: Self.padded(date.year, 4)
            case .month: Self.padded(date.month, 2)
            case .day: Self.padded(date.day, 2)
            case .hour: Self.padded(date.hour, 2)
            case .minute: Self.padded(date.minute, 2)
            case .second: Self.padded(date.second, 2)
            case .date: "\(self[.year])-\(self[.month])-\(self[.day])"
            case .time: self[.hour] + self[.minute] + self[.second]
            }
        }

        private static func padded(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
    }
}
