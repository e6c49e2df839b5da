import Testing

@testable import ArchiverCore

/// How the configuration file resolves YAML values read through libyaml: what counts as not set, as a Boolean or as
/// text, and how reader errors become configuration errors.
struct ConfigurationFileTests {
    private func file(_ yaml: String) throws(ConfigurationError) -> ConfigurationFile {
        try ConfigurationFile(yaml: yaml, path: "/etc/archiver.yaml", folder: "/etc")
    }

    @Test(arguments: [
        ("state_dir: \"true\"\n", "true"), ("state_dir: 'null'\n", "null"), ("state_dir: \"~\"\n", "~"),
        ("state_dir: 'off'\n", "off"), ("state_dir: |\n  folded\n", "folded\n"), ("state_dir: 0640\n", "0640"),
    ])
    func keepsQuotedAndBlockScalarsAsText(yaml: String, text: String) throws {
        #expect(try file(yaml).stateDirectory?.value == text)
    }

    @Test(arguments: [
        "state_dir:\n", "state_dir: ~\n", "state_dir: null\n", "state_dir: NULL\n", "state_dir: !!null x\n",
    ])
    func treatsNullAsNotSet(yaml: String) throws {
        #expect(try file(yaml).stateDirectory == nil)
    }

    @Test(arguments: [
        ("true", true), ("True", true), ("yes", true), ("ON", true), ("!!bool \"yes\"", true), ("!!bool TRUE", true),
        ("false", false), ("No", false), ("off", false), ("!!bool 'off'", false),
    ])
    func readsBooleans(written: String, value: Bool) throws {
        #expect(try file("allow_insecure_http: \(written)\n").allowInsecureHTTP == value)
    }

    @Test(arguments: ["'true'", "\"yes\"", "!!bool maybe", "[true]"])
    func rejectsWhatIsNotABoolean(written: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try file("allow_insecure_http: \(written)\n") }
        #expect(error.code == "config_wrong_type")
        #expect(
            error.description.hasPrefix("allow_insecure_http (in /etc/archiver.yaml, line 1) must be true or false"))
    }

    @Test func readsAFlowMappingAndAnAlias() throws {
        let file = try file("{archive: {root: &root /srv/a}, state_dir: *root, media_hosts: [a.test, b.test]}\n")
        #expect(file.archiveRoot?.value == "/srv/a")
        #expect(file.stateDirectory?.value == "/srv/a")
        #expect(file.mediaHosts?.map(\.description) == ["a.test", "b.test"])
    }

    @Test func reportsATabIndentWithItsLine() throws {
        let error = try #require(throws: ConfigurationError.self) { try file("api:\n\tkey_file: key\n") }
        #expect(
            error
                == .malformedFile(
                    path: "/etc/archiver.yaml", line: 2, problem: "found character that cannot start any token"))
        #expect(
            error.description
                == "configuration file /etc/archiver.yaml is not valid YAML, line 2: found character that cannot "
                + "start any token; fix the syntax (config/getscreen-archiver.example.yaml shows the expected shape)")
    }

    @Test func namesADuplicateKey() throws {
        let error = try #require(throws: ConfigurationError.self) { try file("archive:\n  root: /a\n  root: /b\n") }
        #expect(error == .malformedFile(path: "/etc/archiver.yaml", line: 2, problem: "duplicate key root"))
    }
}
