public import FoundationEssentials
import Glibc

/// A time zone of the IANA database, read from the system's TZif files; what the archive layout's date parts use.
///
/// FoundationEssentials cannot make a `TimeZone` from a name (that takes ICU), so this reads the compiled tz database
/// itself: `$TZDIR` when set, else `/usr/share/zoneinfo`.
public struct ArchiveTimeZone: Sendable, Equatable, CustomStringConvertible {
    /// Coordinated Universal Time: offset 0 at every instant, no file needed.
    public static let utc = ArchiveTimeZone(identifier: "UTC", rules: .utc)

    /// Names that mean UTC without reading a file.
    private static let utcNames: Set<String> = ["UTC", "GMT", "Etc/UTC", "Etc/GMT"]

    /// Larger than any TZif file has reason to be (the largest in tzdata 2025b is under 4 KiB).
    private static let maximumFileBytes = 64 << 10

    /// The name as given, such as `Europe/Berlin`.
    public let identifier: String

    /// The zone's offsets over time; a class, so copies of the zone share it.
    let rules: Rules

    /// The zone named `identifier` in the system's tz database.
    ///
    /// Nil when there is no such zone, its file is not a well-formed TZif file, or the name is not a plain relative
    /// path in the database (see `isPlausibleName(_:)`).
    public init?(identifier: String) {
        let folder = getenv("TZDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        self.init(identifier: identifier, zoneInfoFolder: folder ?? "/usr/share/zoneinfo")
    }

    /// The zone named `identifier` in the tz database at `zoneInfoFolder`; nil as for `init?(identifier:)`.
    init?(identifier: String, zoneInfoFolder: String) {
        if Self.utcNames.contains(identifier) {
            self.init(identifier: identifier, rules: .utc)
            return
        }
        guard Self.isPlausibleName(identifier),
            let bytes = Self.contentsOfRegularFile(atPath: zoneInfoFolder + "/" + identifier),
            let rules = Rules(tzif: bytes)
        else { return nil }
        self.init(identifier: identifier, rules: rules)
    }

    private init(identifier: String, rules: Rules) {
        self.identifier = identifier
        self.rules = rules
    }

    /// The offset of local time from UTC at `date`, in seconds (positive east of Greenwich).
    public func secondsFromGMT(for date: Date) -> Int {
        // Clamped to about ±31 million years, so that the rule arithmetic cannot overflow.
        let seconds = date.timeIntervalSince1970
        let instant = seconds.isFinite ? Int64(min(max(seconds.rounded(.down), -1e15), 1e15)) : 0
        return rules.secondsFromGMT(at: instant)
    }

    /// The identifier.
    public var description: String { identifier }

    /// Zones are equal when their identifiers are.
    public static func == (lhs: ArchiveTimeZone, rhs: ArchiveTimeZone) -> Bool {
        lhs.identifier == rhs.identifier
    }

    /// Whether `name` is a relative path of `/`-separated components made of `A-Z a-z 0-9 _ + - .`, none of them
    /// empty, `.` or `..`: so the file looked up is always inside the zone folder.
    static func isPlausibleName(_ name: String) -> Bool {
        name.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy { component in
            !component.isEmpty && !component.elementsEqual(".".utf8) && !component.elementsEqual("..".utf8)
                && component.allSatisfy(isNameByte)
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "."):
            true
        default: false
        }
    }

    /// The bytes of the regular file at `path`; nil when it cannot be read, is not a regular file (a folder such as
    /// `Europe`, a FIFO) or is larger than `maximumFileBytes`.
    private static func contentsOfRegularFile(atPath path: String) -> [UInt8]? {
        // O_NONBLOCK so that opening a FIFO does not wait for a writer; fstat then turns it away.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        var bytes = [UInt8](repeating: 0, count: maximumFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let result = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if result == 0 { break }
            if result < 0 {
                if errno == EINTR { continue }
                return nil
            }
            count += result
        }
        guard count <= maximumFileBytes else { return nil }
        return Array(bytes[..<count])
    }
}
