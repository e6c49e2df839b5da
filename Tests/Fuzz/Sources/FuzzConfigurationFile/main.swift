import Foundation
import FuzzDriver
import Glibc

@testable import ArchiverCore

/// Loads arbitrary bytes as the configuration file through the public `ConfigurationLoader.load` (libyaml's
/// `YAMLDocument`, then `ConfigurationFile`), with no flags and no environment, and checks that it never crashes
/// or hangs and that every refusal is a `ConfigurationError` with a message and a code: `fileUnreadable` exactly
/// when the bytes are not UTF-8 or above 1 MiB, never otherwise (the file is always there). A loaded configuration
/// must hold values within their documented ranges, and neither it nor any message may show the API key.
///
/// The loader only takes a path, so each input is written over one temporary `config.yaml` (pwrite+ftruncate).
/// Beside it are key files a relative `api.key_file` can name: `api-key` (mode 0600) and `api-key-readable`
/// (0644, which draws a warning) hold a random key made per process, `api-key-empty` nothing.
let secret = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined(separator: "-")
let folder: String = {
    let temporary = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    var template = Array((temporary + "/fuzz-config.XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { fatalError("mkdtemp: \(String(cString: strerror(errno)))") }
    return String(cString: made)
}()
let keyFiles = [
    ("api-key", secret + "\n", 0o600), ("api-key-readable", secret, 0o644), ("api-key-empty", " \n", 0o600),
]
let configPath = folder + "/config.yaml"
let configDescriptor = open(configPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)

/// Writes `text` to `path` with exactly `mode`, whatever the umask.
func writeFile(_ path: String, _ text: String, mode: mode_t) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(descriptor >= 0 && fchmod(descriptor, mode) == 0, "cannot create \(path)")
    precondition(write(descriptor, text, text.utf8.count) == text.utf8.count, "cannot write \(path)")
    close(descriptor)
}

func fuzzConfigurationFile(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    precondition(pwrite(configDescriptor, start, count, 0) == count, "pwrite: \(String(cString: strerror(errno)))")
    precondition(ftruncate(configDescriptor, off_t(count)) == 0, "ftruncate: \(String(cString: strerror(errno)))")
    let isUTF8 = String(validating: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self) != nil
    let configuration: ArchiverConfiguration
    do {
        configuration = try ConfigurationLoader.load(
            configFile: configPath, overrides: ConfigurationOverrides(), environment: [:])
    } catch {
        let message = error.description
        precondition(!message.isEmpty && !error.code.isEmpty, "an error without a message or code: \(error.code)")
        precondition(!message.contains(secret), "the API key in a message: \(message)")
        if case .fileUnreadable(let path, let reason) = error {
            let expected = count > 1 << 20 ? "it is larger than 1 MiB, not a configuration file" : "not UTF-8 text"
            precondition(path == configPath && reason == expected, "unexpected refusal: \(message)")
            precondition(!isUTF8 || count > 1 << 20, "valid UTF-8 refused as unreadable: \(reason)")
        } else {
            precondition(isUTF8, "invalid UTF-8 got past the reader: \(message)")
        }
        return 0
    }
    precondition(isUTF8, "invalid UTF-8 was loaded")
    precondition(configuration.apiKey.isLoaded, "loaded without a key")
    let shown =
        String(reflecting: configuration) + configuration.warnings.joined(separator: "\n")
        + ConfigurationListing(configuration).text
    precondition(!shown.contains(secret), "the API key shown in the configuration or its warnings: \(shown)")
    precondition(configuration.archiveRoot.hasPrefix("/"), "relative root \(configuration.archiveRoot)")
    precondition(ArchiverConfiguration.allowedTransfers.contains(configuration.transfers), "transfers out of range")
    precondition(ArchiverConfiguration.allowedRetryAttempts.contains(configuration.retryAttempts), "retry attempts")
    precondition(ArchiverConfiguration.allowedRetryMaxDelay.contains(configuration.retryMaxDelay), "retry delay")
    precondition(ArchiverConfiguration.allowedSyncOverlap.contains(configuration.syncOverlap), "sync overlap")
    precondition(ArchiverConfiguration.allowedConnectTimeout.contains(configuration.connectTimeout), "connect")
    precondition(ArchiverConfiguration.allowedStallTimeout.contains(configuration.stallTimeout), "stall")
    precondition(configuration.minimumFreeBytes >= 0, "negative min_free")
    precondition(!configuration.mediaHosts.isEmpty, "no media hosts")
    let scheme = configuration.apiBaseURL.scheme?.lowercased()
    precondition(
        scheme == "https" || (scheme == "http" && configuration.allowInsecureHTTP),
        "API URL \(configuration.apiBaseURL) accepted")
    return 0
}

precondition(configDescriptor >= 0, "cannot create \(configPath)")
for (name, text, mode) in keyFiles { writeFile(folder + "/" + name, text, mode: mode_t(mode)) }
// libFuzzer ends a timed run with exit(), so the folder goes then; a crash leaves it for inspection.
atexit {
    unlink(configPath)
    for (name, _, _) in keyFiles { unlink(folder + "/" + name) }
    rmdir(folder)
}
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&arguments, &argv) { data, size in
        fuzzConfigurationFile(UnsafeRawPointer(data) ?? UnsafeRawPointer(bitPattern: 1)!, size)
    })
