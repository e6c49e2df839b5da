public import Foundation

/// A fresh folder under the system's temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    /// The folder's absolute path.
    public let path: String

    /// Creates a new empty folder whose name starts with `prefix`.
    public init(prefix: String = "getscreen-archiver-test") throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    /// Creates `name` inside this folder and returns its path.
    public func subfolder(_ name: String) throws -> String {
        let path = "\(path)/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Deletes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// One entry of a folder tree, for comparing trees before and after a run.
public struct TreeEntry: Hashable, Sendable, CustomStringConvertible {
    public var relativePath: String
    public var isFolder: Bool
    public var size: Int
    public var modified: Date

    public var description: String { "\(relativePath)\(isFolder ? "/" : " (\(size) B)")" }
}

/// Every entry below `root`, recursively, with size and modification time; hidden entries included.
public func treeSnapshot(of root: String) -> Set<TreeEntry> {
    var entries = Set<TreeEntry>()
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return entries }
    while let relative = enumerator.nextObject() as? String {
        let attributes = (try? FileManager.default.attributesOfItem(atPath: "\(root)/\(relative)")) ?? [:]
        entries.insert(
            TreeEntry(
                relativePath: relative,
                isFolder: attributes[.type] as? FileAttributeType == .typeDirectory,
                size: (attributes[.size] as? Int) ?? 0,
                modified: (attributes[.modificationDate] as? Date) ?? .distantPast
            )
        )
    }
    return entries
}

/// The regular files below `root` whose name ends with `suffix`, as paths relative to `root`.
public func files(under root: String, withSuffix suffix: String) -> [String] {
    treeSnapshot(of: root).filter { !$0.isFolder && $0.relativePath.hasSuffix(suffix) }.map(\.relativePath).sorted()
}
