import ArchiverTestSupport
import Foundation
import Glibc
import Testing

@testable import ArchiverCore

/// The network share fixtures themselves: the shares are real FUSE mounts of a real server, a stopped server
/// really hangs them, and tearing down never hangs and leaves nothing behind.
@Suite(
    .serialized,
    .enabled(
        if: NetworkShareSupport.isAvailable,
        Comment(rawValue: NetworkShareSupport.unavailableReason ?? "network shares available"))
)
struct NetworkShareFixtureTests {
    /// Runs `work` on its own thread and waits at most `limit` for it; true when it finished in time.
    func finishes(within limit: Duration, _ work: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            work()
            done.signal()
        }
        let (seconds, attoseconds) = limit.components
        return done.wait(
            timeout: .now() + .milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)))
            == .success
    }

    /// Whether any process names `marker` on its command line (`/proc/*/cmdline`).
    func processesNaming(_ marker: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard Int32(entry) != nil, Int32(entry) != getpid(),
                let bytes = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let commandLine = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return commandLine.contains(marker) ? "\(entry): \(commandLine)" : nil
        }
    }

    @Test func twoSSHFSMountsShowOneExportAndAStoppedServerHangsThemUntilResumed() throws {
        let share = try SSHFSShare()
        defer { share.tearDown() }
        let first = try share.mount(options: ["reconnect", "ServerAliveInterval=2"])
        let second = try share.mount()
        #expect(FileSystemKind(ofFileSystemHolding: first) == .fuse)
        #expect(NetworkShareSupport.isMounted(first) && NetworkShareSupport.isMounted(second))

        try "written through the first mount".write(toFile: "\(first)/a.txt", atomically: false, encoding: .utf8)
        #expect(
            try String(contentsOfFile: "\(second)/a.txt", encoding: .utf8) == "written through the first mount")
        #expect(FileManager.default.fileExists(atPath: "\(share.export)/a.txt"))

        share.suspendServer()
        let hungWrite = finishes(within: .seconds(3)) {
            _ = FileManager.default.createFile(atPath: "\(first)/b.txt", contents: Data(count: 10))
        }
        #expect(!hungWrite, "a write through the mount finished while the server was stopped")
        share.resumeServer()
        #expect(finishes(within: .seconds(15)) { _ = FileManager.default.fileExists(atPath: "\(first)/a.txt") })
    }

    @Test func aKilledSSHFSServerComesBackOnTheSamePortAndAReconnectingMountUsesIt() throws {
        let share = try SSHFSShare()
        defer { share.tearDown() }
        let mount = try share.mount(options: ["reconnect", "ServerAliveInterval=2"])
        let processes = share.serverProcesses
        share.killServer()
        #expect(
            processes.allSatisfy { kill($0, 0) != 0 || isZombie($0) },
            "server processes left: \(processes.map { (try? String(contentsOfFile: "/proc/\($0)/stat", encoding: .utf8)) ?? "-" })"
        )
        #expect(share.serverProcesses.isEmpty)
        try share.restartServer()
        // The first calls after the loss may fail while sshfs notices it and reconnects.
        let deadline = ContinuousClock.now + .seconds(20)
        var arrived = false
        while !arrived && ContinuousClock.now < deadline {
            try? "after the restart".write(toFile: "\(mount)/c.txt", atomically: false, encoding: .utf8)
            arrived = (try? String(contentsOfFile: "\(share.export)/c.txt", encoding: .utf8)) == "after the restart"
            if !arrived { usleep(200_000) }
        }
        #expect(NetworkShareSupport.isMounted(mount), "sshfs gave up its mount: \(share.logs)")
        #expect(arrived, "nothing written through the reconnecting mount reached the restarted server: \(share.logs)")
    }

    @Test func tearDownWithTheServerStoppedReturnsAtOnceAndLeavesNoMountAndNoProcess() throws {
        let share = try SSHFSShare()
        let mount = try share.mount()
        share.suspendServer()
        _ = finishes(within: .seconds(1)) { _ = try? FileManager.default.contentsOfDirectory(atPath: mount) }
        let start = ContinuousClock.now
        share.tearDown()
        #expect(ContinuousClock.now - start < .seconds(15))
        #expect(!NetworkShareSupport.isMounted(mount))
        let folder = URL(fileURLWithPath: share.export).deletingLastPathComponent().path
        #expect(processesNaming(folder).isEmpty, "\(processesNaming(folder))")
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test func smbnetfsShowsTheShareBelowItsMountPointWithoutSpaceFigures() throws {
        let share = try SMBShare()
        var tornDown = false
        defer { if !tornDown { share.tearDown() } }
        #expect(share.sharePath.hasPrefix("\(share.mountPoint)/"))
        #expect(NetworkShareSupport.isMounted(share.mountPoint))
        #expect(FileSystemKind(ofFileSystemHolding: share.sharePath) == .fuse)

        try "written through smbnetfs".write(toFile: "\(share.sharePath)/d.txt", atomically: false, encoding: .utf8)
        #expect(try String(contentsOfFile: "\(share.export)/d.txt", encoding: .utf8) == "written through smbnetfs")
        var figures = statvfs()
        #expect(statvfs(share.sharePath, &figures) == 0)
        #expect(figures.f_blocks == 0, "smbnetfs now reports space figures: the space scenario needs another share")

        share.suspendServer()
        share.tearDown()
        tornDown = true
        #expect(!NetworkShareSupport.isMounted(share.mountPoint))
        let folder = URL(fileURLWithPath: share.export).deletingLastPathComponent().path
        #expect(processesNaming(folder).isEmpty, "\(processesNaming(folder))")
    }

    func isZombie(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }
}
