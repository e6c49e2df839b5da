/// What must be mounted for a run to write to the archive (`archive.require_mount`), so that an unmounted NAS
/// share never turns into a folder on the local disk.
public enum MountRequirement: Sendable, Equatable {
    /// Nothing is checked (`false`, the default).
    case none
    /// The archive root itself must be a mount point (`true`).
    case rootIsMountPoint
    /// The given absolute folder must be a mount point and hold the archive root (a path). For shares that a
    /// FUSE client shows as a subfolder of its mount point, as smbnetfs does (`<mount>/<host>/<share>`).
    case mountPoint(String)
}
