/// The tool's version, kept in this one place: `--version`, the report, the sidecars and the `build_info` metric
/// read it from here.
public enum ToolVersion {
    /// This release's version (semantic versioning).
    public static let current = "0.5.0"
}
