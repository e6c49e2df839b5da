import ArchiverTestSupport
import Foundation
import Testing

/// The shipped binary stays on FoundationEssentials: full Foundation (and ICU behind it) costs about 4.5 MiB of
/// resident memory per run, and a stray `import Foundation` brings it back without any other sign.
@Suite struct BinaryFootprintTests {
    @Test func binaryUsesNoSymbolOfFullFoundation() async throws {
        let workspace = FileManager.default.temporaryDirectory.path
        let symbols = try await ArchiverProcess.run(
            [ArchiverProcess.executablePath], in: workspace, executable: "/usr/bin/nm")
        #expect(symbols.exitCode == 0, "\(symbols.stderr)")
        // Swift mangles a module name with its length: `$s10Foundation` is Foundation, not FoundationEssentials.
        #expect(symbols.stdout.contains("$s20FoundationEssentials"))
        let fullFoundation = symbols.stdout.split(separator: "\n").filter { $0.contains("$s10Foundation") }
        #expect(fullFoundation.isEmpty, "\(fullFoundation.prefix(5))")

        let libraries = try await ArchiverProcess.run(
            [ArchiverProcess.executablePath], in: workspace, executable: "/usr/bin/ldd")
        #expect(libraries.exitCode == 0, "\(libraries.stderr)")
        for library in ["libFoundation.so", "libFoundationInternationalization", "lib_FoundationICU"] {
            #expect(!libraries.stdout.contains(library), "\(libraries.stdout)")
        }
    }
}
