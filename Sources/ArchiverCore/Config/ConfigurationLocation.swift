/// The configuration file a run reads, how it was found, and the places looked at on the way (for messages).
public struct ConfigurationLocation: Sendable, Equatable {
    /// How the file was chosen.
    enum Origin: Sendable, Equatable, CustomStringConvertible {
        /// Named by `--config`.
        case flag
        /// Named by an environment variable (`GETSCREEN_ARCHIVER_CONFIG`).
        case environment(variable: String)
        /// The system-wide file, `/etc/getscreen-archiver/config.yaml`.
        case systemFile
        /// The user's file in the XDG config folder; `folder` says how that folder was found.
        case userFile(folder: String)
        /// Passed by the program that loads the configuration (tests, `ConfigurationLoader.load(configFile:…)`).
        case program

        /// "--config", "environment variable GETSCREEN_ARCHIVER_CONFIG", "the system-wide file", ….
        var description: String {
            switch self {
            case .flag: "--config"
            case .environment(let variable): "environment variable \(variable)"
            case .systemFile: "the system-wide file"
            case .userFile(let folder): "the user's file (\(folder))"
            case .program: "the program"
            }
        }
    }

    /// The file to read; nil when none was named and none of the searched places holds one.
    public var path: String?
    /// How `path` was chosen; nil when there is no file.
    var origin: Origin?
    /// The files looked for, in order, when no flag or variable named one; empty otherwise.
    var searched: [String]

    /// A location; see the properties.
    init(path: String?, origin: Origin?, searched: [String] = []) {
        self.path = path
        self.origin = origin
        self.searched = searched
    }

    /// No configuration file, and none looked for.
    static let none = ConfigurationLocation(path: nil, origin: nil)
}
