import Glibc

/// The space of the file system that holds a folder.
public enum FileSystemSpace {
    /// The bytes available to unprivileged users on the file system holding `path` (`statvfs`'s `f_bavail`);
    /// nil when `statvfs` fails.
    public static func availableBytes(at path: String) -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (bytes, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
        return overflow ? Int.max : bytes
    }
}
