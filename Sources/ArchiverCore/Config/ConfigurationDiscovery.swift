import Glibc

/// Finds the configuration file when the command line names none, in the places admins look first.
///
/// In order: `--config`; `$GETSCREEN_ARCHIVER_CONFIG` (must name a file); `/etc/getscreen-archiver/config.yaml`
/// (what the package installs and the systemd unit reads); `$XDG_CONFIG_HOME/getscreen-archiver/config.yaml`
/// (`~/.config/getscreen-archiver/config.yaml` when `XDG_CONFIG_HOME` is unset or relative, as the XDG base
/// directory specification asks). The first two are used even when missing (reading them then fails with the
/// path); the last two only when they exist. No file at all is allowed: flags and variables may give everything.
public enum ConfigurationDiscovery {
    /// The variable naming the configuration file.
    static let variable = "GETSCREEN_ARCHIVER_CONFIG"
    /// The system-wide configuration file.
    static let systemPath = "/etc/getscreen-archiver/config.yaml"
    /// Replaces `systemPath`: for tests, which must neither read nor write the machine's `/etc`, and for systems
    /// whose configuration lives elsewhere. Not a way to name the file to use (that is `GETSCREEN_ARCHIVER_CONFIG`):
    /// a missing file here is skipped like a missing `/etc` file.
    public static let systemPathVariable = "GETSCREEN_ARCHIVER_SYSTEM_CONFIG"
    /// The XDG base directory variable for configuration.
    public static let xdgVariable = "XDG_CONFIG_HOME"
    /// The file's name inside the tool's folder of the XDG config folder.
    static let userFileName = "getscreen-archiver/config.yaml"

    /// The configuration file to read.
    /// - Parameters:
    ///   - flag: The value of `--config`, if given.
    ///   - environment: The process environment; only `GETSCREEN_ARCHIVER_CONFIG`,
    ///     `GETSCREEN_ARCHIVER_SYSTEM_CONFIG`, `XDG_CONFIG_HOME` and `HOME` are read.
    ///   - accountHome: The home folder from the user database, for when `HOME` is not set.
    ///   - exists: Whether something is at a path (a file that is there but unreadable counts, so that reading it
    ///     fails with the reason instead of silently using the next place).
    /// - Throws: `ConfigurationError.invalidValue` when `GETSCREEN_ARCHIVER_CONFIG` is set but empty.
    public static func locate(
        flag: String?,
        environment: [String: String],
        accountHome: @autoclosure () -> String? = StateDirectory.accountHome(),
        exists: (String) -> Bool = isPresent
    ) throws(ConfigurationError) -> ConfigurationLocation {
        if let flag { return ConfigurationLocation(path: flag, origin: .flag) }
        if let named = environment[variable] {
            guard !named.trimmingWhitespaceAndNewlines().isEmpty else {
                throw .invalidValue(
                    value: named, source: .environment(variable: variable),
                    expected: "the path of a configuration file (unset it to search \(systemPath) and "
                        + "$\(xdgVariable)/\(userFileName))")
            }
            return ConfigurationLocation(path: named, origin: .environment(variable: variable))
        }
        var candidates: [(path: String, origin: ConfigurationLocation.Origin)] = []
        let system = environment[systemPathVariable].flatMap { $0.isEmpty ? nil : $0 } ?? systemPath
        candidates.append((system, .systemFile))
        if let xdg = environment[xdgVariable], xdg.hasPrefix("/") {
            candidates.append(("\(xdg.withoutTrailingSlashes)/\(userFileName)", .userFile(folder: "$\(xdgVariable)")))
        } else if let home = environment["HOME"].flatMap({ $0.hasPrefix("/") ? $0 : nil }) ?? accountHome(),
            home.hasPrefix("/")
        {
            candidates.append(
                ("\(home.withoutTrailingSlashes)/.config/\(userFileName)", .userFile(folder: "~/.config")))
        }
        let searched = candidates.map(\.path)
        for candidate in candidates where exists(candidate.path) {
            return ConfigurationLocation(path: candidate.path, origin: candidate.origin, searched: searched)
        }
        return ConfigurationLocation(path: nil, origin: nil, searched: searched)
    }

    /// Whether `path` names something, or something that this user may not look at (`stat` fails otherwise than
    /// with "no such file" or "not a folder").
    public static func isPresent(_ path: String) -> Bool {
        var status = stat()
        if stat(path, &status) == 0 { return true }
        return errno != ENOENT && errno != ENOTDIR
    }
}
