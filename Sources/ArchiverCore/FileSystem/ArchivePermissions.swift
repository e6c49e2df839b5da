/// The modes of what the archiver creates below the archive root (`archive.file_mode`).
///
/// Folders get the file mode plus the search (x) bit wherever the read bit is set, so that whoever may read the
/// recordings may also reach them: 0640 gives folders 0750, 0644 gives 0755. The modes are applied exactly
/// (`fchmod`/`chmod` after creation), whatever the process umask.
struct ArchivePermissions: Sendable, Equatable, CustomStringConvertible {
    /// The default: files 0640, folders 0750.
    public static let `default` = ArchivePermissions(uncheckedFileMode: 0o640)

    /// The mode of recordings, sidecars and partial downloads.
    let fileMode: UInt32

    /// The mode of folders: `fileMode` plus x where r is set.
    var folderMode: UInt32 { fileMode | ((fileMode & 0o444) >> 2) }

    /// Parses an octal mode such as `0640`, `640` or `0o640`.
    ///
    /// Allowed: permission bits only (no setuid, setgid or sticky), the owner may read and write, and nobody may
    /// execute (recordings are not programs).
    /// - Returns: `nil` when the text is not such a mode.
    init?(octal text: String) {
        var digits = Substring(text.trimmingWhitespaceAndNewlines())
        if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
        guard (3...4).contains(digits.count), digits.allSatisfy({ ("0"..."7").contains($0) }),
            let mode = UInt32(digits, radix: 8), mode & ~0o777 == 0, mode & 0o600 == 0o600, mode & 0o111 == 0
        else { return nil }
        self.init(uncheckedFileMode: mode)
    }

    private init(uncheckedFileMode: UInt32) {
        fileMode = uncheckedFileMode
    }

    /// The file mode as four octal digits, such as `0640`.
    var description: String { Self.octal(fileMode) }

    /// `mode` as four octal digits.
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
