import Glibc

/// The space of the file system that holds a folder, as the run checks it.
enum FileSystemSpace: Sendable, Equatable {
    /// The file system's own figure: bytes available to unprivileged users (`statvfs`'s `f_bavail`).
    case measured(Int)
    /// The file system reports no figures, and `archive.assume_free` gives this many bytes instead.
    case assumed(Int)
    /// The file system reports no figures (a size of 0 blocks: smbnetfs does so for SMB shares), and no
    /// `archive.assume_free` is set: there is nothing to check against.
    case unreported

    /// The space of the file system holding `path`; nil when `statvfs` fails (`errno` says why).
    /// - Parameter assumedFreeBytes: `archive.assume_free`, used only where the file system reports no figures.
    static func of(_ path: String, assumingWhereUnreported assumedFreeBytes: Int? = nil) -> FileSystemSpace? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        guard info.f_blocks > 0 else { return assumedFreeBytes.map { .assumed($0) } ?? .unreported }
        let (bytes, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
        return .measured(overflow ? Int.max : bytes)
    }

    /// The free bytes to check against; nil when unreported.
    var freeBytes: Int? {
        switch self {
        case .measured(let bytes), .assumed(let bytes): bytes
        case .unreported: nil
        }
    }

    /// The warning a run logs once when it cannot check the space; nil when it can.
    var warning: String? {
        guard self == .unreported else { return nil }
        return "the archive's file system reports no free space figures (smbnetfs does not pass them on); "
            + "the run does not check the free space or archive.min_free; set archive.assume_free to check "
            + "against a figure of your own"
    }
}
