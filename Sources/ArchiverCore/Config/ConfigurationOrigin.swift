/// Where one effective configuration value came from, as `config show` prints it.
public enum ConfigurationOrigin: Sendable, Equatable, CustomStringConvertible {
    /// A flag, an environment variable, or a key of the configuration file.
    case source(ConfigurationSource)
    /// The contents of the file at `path`, which `namedBy` points to (the API key file, a systemd credential).
    case file(path: String, namedBy: ConfigurationSource)
    /// Not set anywhere: the built-in default, with why it is what it is when it depends on the system.
    case defaultValue(reason: String?)

    /// "--archive", "environment variable GETSCREEN_API_KEY", "/etc/x.yaml:12", "file /run/credentials/…/api-key
    /// (systemd credential api-key)", "default", "default ($STATE_DIRECTORY (systemd StateDirectory=))".
    public var description: String {
        switch self {
        case .source(.file(_, let path?, let line?)): "\(path):\(line)"
        case .source(.file(let key, let path?, nil)): "\(path) (\(key))"
        case .source(let source): source.description
        case .file(let path, let namedBy): "file \(path) (\(namedBy))"
        case .defaultValue(nil): "default"
        case .defaultValue(let reason?): "default (\(reason))"
        }
    }
}
