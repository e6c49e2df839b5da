import ArchiverCore
import FoundationEssentials
import Glibc

/// Renders an archive folder as an indented tree with file sizes, leaving out the tool's state folder.
enum ArchiveTree {
    /// The tree below `root`, one entry a line, sorted by name.
    static func render(root: String) -> String {
        var lines = [root]
        appendChildren(of: root, depth: 1, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func appendChildren(of folder: String, depth: Int, into lines: inout [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0 != ArchiveRoot.stateFolderName }
            .sorted()
        for name in names {
            let path = "\(folder)/\(name)"
            var info = stat()
            let isListed = lstat(path, &info) == 0
            let indent = String(repeating: "  ", count: depth)
            if isListed && info.st_mode & S_IFMT == S_IFDIR {
                lines.append("\(indent)\(name)/")
                appendChildren(of: path, depth: depth + 1, into: &lines)
            } else {
                lines.append("\(indent)\(name)  (\(ByteCount.format(isListed ? Int(info.st_size) : 0)))")
            }
        }
    }
}
