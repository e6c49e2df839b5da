import FoundationEssentials
import JSON

/// The metadata file stored beside each recording: the session as the API gave it, with the key removed
/// from every URL, plus what the archiver did and which version of it (`archive.archiver_version`; sidecars
/// written before 0.5.0 lack it, and `record(atPath:)` never needs it).
enum Sidecar {
    /// The sidecar's JSON bytes for a filed recording.
    static func contents(for recording: ArchivedRecording) -> [UInt8] {
        let document: JSONValue = .object([
            "session": strippingKeys(from: recording.session.metadata),
            "archive": .object([
                "file": .string(String(recording.relativePath.split(separator: "/").last ?? "")),
                "size_bytes": .integer(recording.sizeBytes),
                "sha256": .string(recording.sha256),
                "archived_at": .string(recording.archivedAt.iso8601UTC),
                "tool": .string("getscreen-archiver"),
                "archiver_version": .string(ToolVersion.current),
            ]),
        ])
        return document.prettyJSON()
    }

    /// `value` with every string that carries an `apikey` parameter rewritten without it.
    static func strippingKeys(from value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text) where text.lowercased().contains(URLRedaction.keyParameter.lowercased()):
            .string(URLRedaction.strippingKey(from: text))
        case .array(let elements):
            .array(elements.map(strippingKeys))
        case .object(let members):
            .object(members.mapValues(strippingKeys))
        default:
            value
        }
    }
}
