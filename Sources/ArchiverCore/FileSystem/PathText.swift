extension String {
    /// The path without its last component: `"a/b/c.json"` → `"a/b"`, `"c.json"` → `""`, `"/c"` → `"/"`.
    var deletingLastPathComponent: String {
        let path = withoutTrailingSlashes
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of the path: `"a/b/c.json"` → `"c.json"`, `"/"` → `"/"`.
    var lastPathComponent: String {
        let path = withoutTrailingSlashes
        guard path != "/", let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return String(path[path.utf8.index(after: slash)...])
    }

    /// The path without the extension of its last component: `"a/b.c/d.json"` → `"a/b.c/d"`; a leading dot
    /// (`".hidden"`) is not an extension.
    var deletingPathExtension: String {
        let name = lastPathComponent
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else {
            return withoutTrailingSlashes
        }
        let folder = deletingLastPathComponent
        let stem = String(name[..<dot])
        return folder.isEmpty ? stem : folder == "/" ? "/" + stem : folder + "/" + stem
    }

    /// The path without trailing slashes, except for `"/"` itself.
    var withoutTrailingSlashes: String {
        var path = Substring(self)
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return String(path)
    }
}
