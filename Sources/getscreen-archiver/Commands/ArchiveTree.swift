import ArchiverCore
import FoundationEssentials

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
            let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
            let indent = String(repeating: "  ", count: depth)
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                lines.append("\(indent)\(name)/")
                appendChildren(of: path, depth: depth + 1, into: &lines)
            } else {
                let size = attributes[.size] as? Int ?? 0
                lines.append("\(indent)\(name)  (\(ByteCount.format(size)))")
            }
        }
    }
}
