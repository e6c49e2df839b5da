extension StateDirectory {
    /// Where the catalog's folder came from, so that messages can say what to change.
    enum Source: Sendable, Equatable, CustomStringConvertible {
        /// `state_dir` in the configuration file.
        case configured(ConfigurationSource)
        /// The default folder for this archive, below the base chosen because of `reason` (`$XDG_STATE_HOME`, ...).
        case defaultFolder(reason: String)
        /// Set by the program that built the configuration (tests, the demo).
        case setDirectly

        /// Whether the admin chose the folder (`state_dir`).
        var isConfigured: Bool {
            if case .configured = self { return true }
            return false
        }

        /// "state_dir (in /etc/x.yaml, line 3)" or "the default state folder ($XDG_STATE_HOME)".
        var description: String {
            switch self {
            case .configured(let source): "\(source)"
            case .defaultFolder(let reason): "the default state folder (\(reason))"
            case .setDirectly: "the folder the program set"
            }
        }
    }
}
