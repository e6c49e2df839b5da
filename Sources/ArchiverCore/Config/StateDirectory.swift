import Crypto
import FoundationEssentials
import Glibc

/// Where the catalog lives when `state_dir` is not set: a folder on the local disk, one per archive.
///
/// The base folder is the first of: `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`; the first entry when
/// it lists several), `$XDG_STATE_HOME/getscreen-archiver`, `/var/lib/getscreen-archiver` when running as root,
/// `$HOME/.local/state/getscreen-archiver` (the account's home from the user database when `HOME` is not set).
/// Inside it, each archive gets its own folder named after the root's
/// path plus a short hash of it (`/mnt/nas/getscreen` gives `mnt-nas-getscreen-1a2b3c4d`, `s3://media/getscreen/`
/// gives `s3-media-getscreen-5e6f7a8b`), so that one machine can archive several roots and an admin can tell the
/// folders apart.
public enum StateDirectory {
    /// The name of the tool's folder below `$XDG_STATE_HOME`, `/var/lib` and `~/.local/state`.
    public static let applicationFolderName = "getscreen-archiver"
    /// systemd's variable for `StateDirectory=` (colon-separated when the unit names several folders).
    static let systemdVariable = "STATE_DIRECTORY"
    /// The XDG base directory variable for state.
    static let xdgVariable = "XDG_STATE_HOME"

    /// The longest readable part of a per-archive folder name, before the hash (long roots keep their tail).
    private static let maximumReadableLength = 64

    /// The base folder for per-archive state folders, and why it was chosen ("$XDG_STATE_HOME", ...).
    /// Relative values of the variables are ignored, as the XDG specification asks.
    /// - Parameters:
    ///   - environment: The process environment; only `STATE_DIRECTORY`, `XDG_STATE_HOME` and `HOME` are read.
    ///   - isRoot: Whether the process runs as root (effective uid 0).
    ///   - accountHome: The home folder of the process's user in the user database, for when `HOME` is not set.
    /// - Returns: nil when none applies (a user without a home folder).
    static func base(
        environment: [String: String],
        isRoot: Bool,
        accountHome: @autoclosure () -> String? = accountHome()
    ) -> (path: String, reason: String)? {
        if let list = environment[systemdVariable],
            let first = list.split(separator: ":").first.map(String.init), first.hasPrefix("/")
        {
            return (first.withoutTrailingSlashes, "$\(systemdVariable) (systemd StateDirectory=)")
        }
        if let xdg = environment[xdgVariable], xdg.hasPrefix("/") {
            return ("\(xdg.withoutTrailingSlashes)/\(applicationFolderName)", "$\(xdgVariable)")
        }
        if isRoot { return ("/var/lib/\(applicationFolderName)", "running as root") }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return ("\(home.withoutTrailingSlashes)/.local/state/\(applicationFolderName)", "$HOME")
        }
        if let home = accountHome(), home.hasPrefix("/") {
            return ("\(home.withoutTrailingSlashes)/.local/state/\(applicationFolderName)", "the account's home")
        }
        return nil
    }

    /// The home folder of the effective user in the user database (`getpwuid_r`), if it has one.
    public static func accountHome() -> String? {
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        // pw_dir points into the buffer, so it is read while the buffer is pinned.
        return buffer.withUnsafeMutableBufferPointer { storage -> String? in
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            guard let base = storage.baseAddress, getpwuid_r(geteuid(), &entry, base, storage.count, &result) == 0,
                result != nil,
                let directory = entry.pw_dir
            else { return nil }
            return String(cString: directory)
        }
    }

    /// The folder name of the archive at `root` (an absolute path, or a bucket's `s3://BUCKET/PREFIX/`) inside the
    /// base folder: the path's components (`s3`, the bucket and the prefix's) joined with `-`, other characters than
    /// letters, digits, `.`, `_` and `-` replaced by `_`, then `-` and the first 8 hex digits of the SHA-256 of the
    /// root without trailing slashes (two roots whose readable parts match still differ).
    public static func folderName(forArchive root: String) -> String {
        let path = root.withoutTrailingSlashes
        let readablePath = path.hasPrefix("s3://") ? "s3/" + path.dropFirst("s3://".count) : path
        let readable = readablePath.split(separator: "/").map { component in
            String(component.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        }.joined(separator: "-")
        let hash = FileDigest.hex(SHA256.hash(data: Array(path.utf8)).prefix(4))
        let trimmed = readable.isEmpty ? "root" : String(readable.suffix(maximumReadableLength))
        return "\(trimmed)-\(hash)"
    }
}
