import FoundationEssentials
import Glibc

/// The `flock` locks that the kernel lists in `/proc/locks`: whether a run on this machine holds the archive root's
/// lock, found without taking it (a dry run holds only that lock, and no lease file).
enum FlockTable {
    /// The pids holding a `flock` on the file whose device is `major:minor` and inode `inode`, in `table` (the text
    /// of `/proc/locks`: `1: FLOCK  ADVISORY  WRITE 4242 00:2d:1234 0 EOF`, device numbers in hex). Waiters
    /// (`1: -> FLOCK …`) hold nothing and are left out.
    static func holders(in table: String, major: UInt64, minor: UInt64, inode: UInt64) -> [Int] {
        table.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int(fields[4]) else { return nil }
            let file = fields[5].split(separator: ":")
            guard file.count == 3, UInt64(file[0], radix: 16) == major, UInt64(file[1], radix: 16) == minor,
                UInt64(file[2]) == inode
            else { return nil }
            return pid
        }
    }

    /// The pids holding a `flock` on the folder at `path`; nil when it or `/proc/locks` cannot be read.
    static func holders(ofFolderAt path: String) -> [Int]? {
        var info = stat()
        guard stat(path, &info) == 0,
            let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8)
        else { return nil }
        // glibc's encoding of dev_t (gnu_dev_major / gnu_dev_minor), which Swift does not import as functions.
        let device = UInt64(info.st_dev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        return holders(in: table, major: major, minor: minor, inode: UInt64(info.st_ino))
    }
}
