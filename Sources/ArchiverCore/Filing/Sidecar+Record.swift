import FoundationEssentials
import JSON

extension Sidecar {
    /// What a sidecar recorded about its recording when it was filed.
    struct Record: Sendable, Equatable {
        /// The session the sidecar describes (`session.id`).
        var sessionID: Int
        /// The recording's SHA-256 as downloaded (`archive.sha256`), lowercase hex.
        var sha256: String
        /// When the recording was filed (`archive.archived_at`), when the sidecar says.
        var archivedAt: Date?
    }

    /// Why a sidecar could not be used; `reason` completes "its sidecar <path> …".
    struct Unusable: Error, Sendable, Equatable {
        var reason: String
    }

    /// The largest sidecar read; real ones are about 1 KiB.
    static let maximumBytes = 1 << 20

    /// Reads the sidecar at `path`: its session id, and the SHA-256 and filing time of its recording.
    static func record(atPath path: String) -> Result<Record, Unusable> {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.contents(atPath: path, limit: maximumBytes).bytes
        } catch {
            return .failure(Unusable(reason: error == .missing ? "is missing" : "cannot be read (\(error.reason))"))
        }
        return record(bytes)
    }

    /// Reads a sidecar's bytes: its session id, and the SHA-256 and filing time of its recording.
    static func record(_ bytes: [UInt8]) -> Result<Record, Unusable> {
        guard let document = try? JSONValue(parsing: bytes), case .object = document else {
            return .failure(Unusable(reason: "is not a JSON object"))
        }
        guard let sessionID = document["session"]?["id"]?.intValue else {
            return .failure(Unusable(reason: "has no session.id"))
        }
        guard let sha256 = document["archive"]?["sha256"]?.stringValue?.lowercased(), sha256.count == 64,
            sha256.allSatisfy(\.isHexDigit)
        else { return .failure(Unusable(reason: "has no SHA-256 (archive.sha256)")) }
        let archivedAt = document["archive"]?["archived_at"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
        return .success(Record(sessionID: sessionID, sha256: sha256, archivedAt: archivedAt))
    }
}
