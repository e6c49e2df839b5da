import FoundationEssentials
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
    let identifier: String

    /// The zone's offsets over time; a class, so copies of the zone share it.
    let rules: Rules

    /// The zone named `identifier` in the system's tz database.
    ///
    /// Nil when there is no such zone, its file is not a well-formed TZif file, or the name is not a plain relative
    /// path in the database (see `isPlausibleName(_:)`).
    init?(identifier: String) {
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

    /// The machine's zone, for log timestamps: `$TZ` when it names a zone (`Europe/Berlin`, `:Europe/Berlin`, a
    /// TZif file's absolute path) or is a POSIX rule (`CET-1CEST,M3.5.0,M10.5.0/3`), else `/etc/localtime`; UTC
    /// when none of them can be read.
    public static let local = machineZone(
        tz: getenv("TZ").map { String(cString: $0) }, localtimePath: "/etc/localtime")

    /// The zone that `TZ` set to `tz` (nil: unset) names, else the one in the TZif file at `localtimePath`.
    static func machineZone(tz: String?, localtimePath: String) -> ArchiveTimeZone {
        guard let tz, !tz.isEmpty else { return zone(atPath: localtimePath, identifier: "localtime") ?? .utc }
        let name = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
        if name.hasPrefix("/") { return zone(atPath: name, identifier: name) ?? .utc }
        if let zone = ArchiveTimeZone(identifier: name) { return zone }
        guard let rule = POSIXRule(name) else { return .utc }
        return ArchiveTimeZone(
            identifier: name, rules: Rules(transitionTimes: [], offsets: [], initialOffset: 0, footer: rule))
    }

    /// The zone of the TZif file at `path`, named `identifier`; nil when it cannot be read or is not TZif.
    private static func zone(atPath path: String, identifier: String) -> ArchiveTimeZone? {
        guard let bytes = contentsOfRegularFile(atPath: path), let rules = Rules(tzif: bytes) else { return nil }
        return ArchiveTimeZone(identifier: identifier, rules: rules)
    }

    private init(identifier: String, rules: Rules) {
        self.identifier = identifier
        self.rules = rules
    }

    /// The offset of local time from UTC at `date`, in seconds (positive east of Greenwich).
    func secondsFromGMT(for date: Date) -> Int {
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
        try? FileBytes.contents(atPath: path, limit: maximumFileBytes).bytes
    }
}
