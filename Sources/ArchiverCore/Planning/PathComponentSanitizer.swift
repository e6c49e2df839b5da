/// Makes untrusted text (agent names, groups) safe to use inside one path component on a NAS.
///
/// `/`, `\`, NUL and every control character (C0, DEL, C1, U+2028, U+2029) become `_`; leading dots become `_`;
/// the text is cut to a byte budget at a `Character` boundary (never inside a multi-byte scalar); trailing spaces
/// and dots are dropped (SMB clients trim them); empty text becomes `_`. Other UTF-8 is kept as is.
enum PathComponentSanitizer {
    /// The UTF-8 byte budget of one placeholder value.
    static let maximumValueBytes = 100
    /// The UTF-8 byte budget of one rendered path component (most file systems allow 255).
    static let maximumComponentBytes = 200

    /// Returns `value` made safe for use inside a path component, at most `maximumBytes` of UTF-8.
    /// The result is never empty, never contains `/`, never starts with `.` and never ends with `.` or a space.
    static func sanitize(_ value: String, maximumBytes: Int = maximumValueBytes) -> String {
        if isPlainASCII(value) { return finished(value, maximumBytes: maximumBytes) }
        var scalars = String.UnicodeScalarView()
        var isLeading = true
        for scalar in value.unicodeScalars {
            if isLeading, scalar == "." {
                scalars.append("_")
                continue
            }
            isLeading = false
            scalars.append(isForbidden(scalar) ? "_" : scalar)
        }
        return finished(String(scalars), maximumBytes: maximumBytes)
    }

    /// Cuts `text` to at most `maximumBytes` of UTF-8 at a `Character` boundary, drops trailing dots and spaces,
    /// keeps the text from merging with a `/` beside it, and returns `_` if nothing is left. Used for whole
    /// components, whose parts are already sanitized.
    static func finished(_ text: String, maximumBytes: Int) -> String {
        var result = truncated(text, maximumBytes: maximumBytes)
        while let last = result.unicodeScalars.last, last == "." || last == " " {
            result.unicodeScalars.removeLast()
        }
        if isPlainASCII(result) { return result.isEmpty ? "_" : result }
        // A first scalar that extends the character before it (a combining mark, ZWJ, a spacing mark) or a last
        // scalar that prefixes the one after it (Arabic number signs and other "Prepend" scalars) would form one
        // `Character` with the neighbouring "/": Swift code splitting the path on "/" would then not split there,
        // and folders would be created and checked under the wrong names. Found by fuzzing (FuzzArchiveLayout).
        if let first = result.unicodeScalars.first, ("/" + String(first)).count == 1 {
            result.unicodeScalars.replaceSubrange(
                ..<result.unicodeScalars.index(after: result.unicodeScalars.startIndex), with: ["_"])
        }
        if let last = result.unicodeScalars.last, (String(last) + "/").count == 1 {
            result.unicodeScalars.removeLast()
            result.unicodeScalars.append("_")
        }
        return result.isEmpty ? "_" : result
    }

    /// The longest prefix of whole `Character`s that fits in `maximumBytes` of UTF-8.
    static func truncated(_ text: String, maximumBytes: Int) -> String {
        guard text.utf8.count > maximumBytes else { return text }
        var bytes = 0
        var end = text.startIndex
        for index in text.indices {
            let size = text[index].utf8.count
            guard bytes + size <= maximumBytes else { break }
            bytes += size
            end = text.index(after: index)
        }
        return String(text[..<end])
    }

    /// Whether `text` is printable ASCII without separators and does not start with a dot: nothing to change,
    /// and no character that could fuse with a neighbouring `/` (the common case: most names are like this).
    private static func isPlainASCII(_ text: String) -> Bool {
        guard text.utf8.first != UInt8(ascii: ".") else { return false }
        return text.utf8.allSatisfy { byte in
            byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "/") && byte != UInt8(ascii: "\\")
        }
    }

    /// Path separators and characters that are invisible or break lines in listings and logs.
    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            // The common case, decided without a Unicode table lookup: C0 controls, DEL and the separators.
            return scalar.value < 0x20 || scalar.value == 0x7F || scalar == "/" || scalar == "\\"
        }
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
