import ArchiverTestSupport
import Foundation
import Glibc
import Testing

@testable import ArchiverCore

/// The key file's permission warning and the `archive.file_mode` key.
@Suite struct KeyFileAndModeConfigurationTests {
    static let secret = "k3y-file-SECRET-0c9d"

    /// Loads a configuration whose key comes from a key file with `mode`, plus `archive` lines.
    func load(keyFileMode mode: mode_t = 0o600, archive: String = "", environment: [String: String] = [:]) throws
        -> ArchiverConfiguration
    {
        let directory = try TemporaryDirectory(prefix: "key-file-tests")
        defer { directory.remove() }
        let keyFile = "\(directory.path)/api-key"
        try "\(Self.secret)\n".write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, mode)
        let config = "\(directory.path)/config.yaml"
        try "api:\n  key_file: api-key\narchive:\n  root: /srv/archive\n\(archive)\n"
            .write(toFile: config, atomically: false, encoding: .utf8)
        return try ConfigurationLoader.load(
            configFile: config, overrides: ConfigurationOverrides(), environment: environment,
            currentDirectory: directory.path)
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o666])
    func aKeyFileReadableByOthersGivesAWarningNamingTheFileAndTheFix(mode: Int) throws {
        let configuration = try load(keyFileMode: mode_t(mode))
        #expect(configuration.apiKey.value == Self.secret)
        let warning = try #require(configuration.warnings.first)
        #expect(configuration.warnings.count == 1)
        #expect(warning.contains("/api-key"))
        #expect(warning.contains("chmod 600"))
        #expect(warning.contains(ArchivePermissions.octal(UInt32(mode))))
        #expect(!warning.contains(Self.secret))
    }

    @Test(arguments: [0o600, 0o400])
    func aPrivateKeyFileGivesNoWarning(mode: Int) throws {
        #expect(try load(keyFileMode: mode_t(mode)).warnings.isEmpty)
    }

    @Test func theEnvironmentKeyWinsAndTheFileIsNotEvenLookedAt() throws {
        let configuration = try load(keyFileMode: 0o644, environment: ["GETSCREEN_API_KEY": " env-key \n"])
        #expect(configuration.apiKey.value == "env-key")
        #expect(configuration.warnings.isEmpty)
    }

    @Test func fileModeDefaultsTo0640AndIsRead() throws {
        #expect(try load().permissions == .default)
        #expect(ArchivePermissions.default.fileMode == 0o640)
        #expect(ArchivePermissions.default.folderMode == 0o750)
        let configuration = try load(archive: "  file_mode: \"0660\"")
        #expect(configuration.permissions.fileMode == 0o660)
        #expect(configuration.permissions.folderMode == 0o770)
        // Unquoted, YAML still hands over the digits as written.
        #expect(try load(archive: "  file_mode: 0644").permissions.fileMode == 0o644)
    }

    @Test(arguments: ["\"0755\"", "\"0400\"", "\"4640\"", "\"rw-r-----\"", "416"])
    func anUnusableFileModeIsAConfigurationErrorNamingTheKey(value: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try load(archive: "  file_mode: \(value)") }
        #expect(error.key == "archive.file_mode")
        #expect(error.code == "config_invalid_value")
        #expect(error.description.contains("octal"))
    }
}
