/// Where a configuration value came from, so an error can point at the exact flag, variable or file line.
public enum ConfigurationSource: Sendable, Equatable, CustomStringConvertible {
    /// A key in the configuration file (`archive.root`); `path` and the 1-based `line` when known.
    case file(key: String, path: String?, line: Int?)
    /// An environment variable such as `GETSCREEN_ARCHIVER_TRANSFERS`.
    case environment(variable: String)
    /// A command-line flag such as `--transfers`.
    case flag(name: String)
    /// A systemd credential (`LoadCredential=api-key:…`), read from `$CREDENTIALS_DIRECTORY/<name>`.
    case credential(name: String)

    /// The config key, environment variable or flag name.
    var key: String {
        switch self {
        case .file(let key, _, _): key
        case .environment(let variable): variable
        case .flag(let name): name
        case .credential(let name): name
        }
    }

    /// "archive.root (in /etc/x.yaml, line 3)", "environment variable GETSCREEN_ARCHIVER_ARCHIVE", "--archive" or
    /// "systemd credential api-key".
    public var description: String {
        switch self {
        case .file(let key, let path, let line):
            switch (path, line) {
            case (let path?, let line?): "\(key) (in \(path), line \(line))"
            case (let path?, nil): "\(key) (in \(path))"
            case (nil, let line?): "\(key) (line \(line))"
            case (nil, nil): key
            }
        case .environment(let variable): "environment variable \(variable)"
        case .flag(let name): name
        case .credential(let name): "systemd credential \(name)"
        }
    }

    /// The same source placed in a configuration file, for errors raised before the file position was known.
    func located(path: String?, line: Int?) -> ConfigurationSource {
        guard case .file(let key, _, _) = self else { return self }
        return .file(key: key, path: path, line: line)
    }
}
