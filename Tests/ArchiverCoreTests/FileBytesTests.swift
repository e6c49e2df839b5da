import Foundation
import Glibc
import Testing

@testable import ArchiverCore

/// Reading a file whole through a descriptor: every size around the 4 KiB starting buffer and its doublings, cut at
/// the limit.
struct FileBytesTests {
    @Test(arguments: [
        (0, 10), (1, 10), (4095, 100_000), (4096, 100_000), (4097, 100_000), (8192, 100_000), (70_000, 100_000),
        (10, 10), (11, 10), (5000, 4096), (5000, 4097), (100_000, 65_537), (3, 0),
    ])
    func readsUpToTheLimit(size: Int, limit: Int) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("file-bytes-\(UUID().uuidString)").path
        defer { unlink(path) }
        let content = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        #expect(FileBytes.read(from: descriptor, upTo: limit) == Array(content.prefix(limit)))
    }
}
