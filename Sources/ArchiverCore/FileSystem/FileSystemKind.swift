import CLinux
import Glibc

/// What kind of file system holds a path, as far as durability and locking are concerned (`statfs`'s `f_type`).
///
/// Local disks honour `syncfs`, folder fsyncs and POSIX locks. Network and FUSE file systems do not all do so:
/// `syncfs` returns 0 on FUSE without reaching the server (only an fsync of each file does), a `close` may be the
/// first call to report a failed write, and SQLite's locks over NFS and SMB are unreliable.
enum FileSystemKind: Sendable, Equatable, CustomStringConvertible {
    /// A file system on a local device (ext4, xfs, btrfs, tmpfs, ...).
    case local
    /// NFS.
    case nfs
    /// SMB/CIFS through the kernel's client.
    case smb
    /// A FUSE file system (sshfs, smbnetfs, rclone mount, ...): where the bytes go is up to its daemon.
    case fuse

    /// `statfs` magic numbers (linux/magic.h).
    private static let nfsMagic = 0x6969
    private static let smbMagic = 0x517B
    private static let cifsMagic = 0xFF53_4D42
    private static let smb2Magic = 0xFE53_4D42
    private static let fuseMagic = 0x6573_5546

    /// The kind of the file system holding `path`; nil when `statfs` fails (`errno` says why).
    init?(ofFileSystemHolding path: String) {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return nil }
        self.init(magic: Int(info.f_type))
    }

    /// The kind for a `statfs` `f_type`; anything not known to be remote or FUSE counts as local.
    init(magic: Int) {
        switch magic & 0xFFFF_FFFF {
        case Self.nfsMagic: self = .nfs
        case Self.smbMagic, Self.cifsMagic, Self.smb2Magic: self = .smb
        case Self.fuseMagic: self = .fuse
        default: self = .local
        }
    }

    /// Whether `syncfs` and folder fsyncs can be trusted to make writes durable; when false, every file needs
    /// its own checked fsync, on the descriptor that wrote it, before it is published.
    var flushesWithSyncfs: Bool { self == .local }

    /// Whether the file system is reached over a network (or through a FUSE daemon that may be): SQLite's
    /// locking and a local `flock` cannot be trusted across machines there.
    var isShared: Bool { self != .local }

    var description: String {
        switch self {
        case .local: "a local file system"
        case .nfs: "an NFS share"
        case .smb: "an SMB/CIFS share"
        case .fuse: "a FUSE file system (sshfs, smbnetfs, ...)"
        }
    }
}
