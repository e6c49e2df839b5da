import ArchiverTestSupport
import Foundation
import Glibc
import Testing

@testable import ArchiverCore

/// `AtomicFile` in a folder that others may write to (the metrics textfile folder): a planted symlink never
/// redirects the write, the file gets its content and mode, and concurrent writers never mix their bytes.
struct AtomicFileTests {
    @Test func symlinksPlantedAtPredictableNamesAreNeverFollowed() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let victim = "\(folder.path)/victim"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        let path = "\(folder.path)/getscreen-archiver.prom"
        // The names a writer could have guessed: the old `path.tmp-PID` and the other common patterns.
        let planted = [
            "\(path).tmp-\(getpid())", "\(path).tmp", "\(path).new", "\(path)~",
            "\(folder.path)/.getscreen-archiver.prom",
        ]
        for link in planted { #expect(symlink(victim, link) == 0) }

        try AtomicFile.write(Data("metric 1\n".utf8), to: path, mode: 0o644)

        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "metric 1\n")
        var status = stat()
        #expect(lstat(path, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFREG)
        for link in planted {
            #expect(lstat(link, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK, "\(link) was replaced")
        }
        // Nothing left behind but what was there and the file itself.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names.count == planted.count + 2)
    }

    @Test func aSymlinkAtTheTargetIsReplacedNotFollowed() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let victim = "\(folder.path)/victim"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: victim))
        let path = "\(folder.path)/last-run.json"
        #expect(symlink(victim, path) == 0)

        try AtomicFile.write(Data("{}".utf8), to: path)

        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
        var status = stat()
        #expect(lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG)
    }

    @Test(arguments: [0o640 as mode_t, 0o644, 0o600])
    func theFileGetsItsContentAndMode(mode: mode_t) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = "\(folder.path)/report.json"
        // An existing file with a wider mode is replaced, not rewritten in place.
        try Data("old content that is longer".utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, 0o666) == 0)

        try AtomicFile.write(Data("new".utf8), to: path, mode: mode)

        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("new".utf8))
        var status = stat()
        #expect(stat(path, &status) == 0)
        // The process umask (read without changing it) narrows the mode, as open(2) always did.
        #expect(status.st_mode & 0o7777 == mode & ~Self.processUmask())
    }

    @Test func aMissingFolderIsAnErrorNamingThePath() throws {
        let path = "/nonexistent-\(UUID().uuidString)/metrics.prom"
        let error = #expect(throws: ArchiverError.self) { try AtomicFile.write(Data("x".utf8), to: path) }
        guard case .outputUnwritable(path, ENOENT) = error else {
            Issue.record("expected outputUnwritable(\(path), ENOENT), got \(String(describing: error))")
            return
        }
    }

    @Test func concurrentWritersNeverProduceAMixedFile() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = "\(folder.path)/metrics.prom"
        let size = 256 * 1024
        let writers = 4
        let rounds = 50
        // Per task: writes that failed, and versions the reader saw mixed.
        let (failed, mixed) = await withTaskGroup(of: (Int, Int).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let data = Data(repeating: UInt8(ascii: "a") + UInt8(writer), count: size)
                    var failed = 0
                    for _ in 0..<rounds {
                        do { try AtomicFile.write(data, to: path) } catch { failed += 1 }
                    }
                    return (failed, 0)
                }
            }
            // A reader alongside: every version it sees is one writer's whole content.
            group.addTask {
                var mixed = 0
                for _ in 0..<(writers * rounds) {
                    guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { continue }
                    if data.count != size || Set(data).count != 1 { mixed += 1 }
                }
                return (0, mixed)
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        #expect(failed == 0)
        #expect(mixed == 0)
        let final = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(final.count == size && Set(final).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["metrics.prom"])
    }

    /// The umask from /proc/self/status (Linux 4.7+), which `umask(2)` could only read by changing it.
    private static func processUmask() -> mode_t {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
        return line.flatMap { mode_t($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) } ?? 0o022
    }
}
