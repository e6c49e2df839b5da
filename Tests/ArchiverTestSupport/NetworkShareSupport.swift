import Foundation
import Glibc

/// What the network share fixtures (`SSHFSShare`, `SMBShare`) need from the machine, and the process and mount
/// plumbing they share.
public enum NetworkShareSupport {
    /// The programs the fixtures run.
    static let sshd = "/usr/sbin/sshd"
    static let smbd = "/usr/sbin/smbd"
    /// OpenSSH's SFTP server, which the SSHFS share runs with request logging.
    static let sftpServer = "/usr/lib/openssh/sftp-server"
    static let tools = ["ssh-keygen", "sshfs", "fusermount", "smbpasswd", "smbnetfs"]

    /// Nil when the network share tests can run here: root (sshd and smbd serve as root, FUSE mounts), a usable
    /// `/dev/fuse`, and the programs of `openssh-server sshfs samba smbnetfs`. Otherwise a sentence saying what is
    /// missing, for the tests' skip message.
    public static let unavailableReason: String? = {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (sshd, smbd and the FUSE mounts need it)") }
        let fuse = open("/dev/fuse", O_RDWR)
        if fuse < 0 { missing.append("a usable /dev/fuse (\(String(cString: strerror(errno))))") } else { close(fuse) }
        for program in [sshd, smbd, sftpServer] where !FileManager.default.isExecutableFile(atPath: program) {
            missing.append(program)
        }
        for tool in tools where executable(named: tool) == nil { missing.append(tool) }
        guard !missing.isEmpty else { return nil }
        return "network share tests skipped: this machine lacks \(missing.joined(separator: ", ")); "
            + "install openssh-server sshfs samba smbnetfs (scripts/install-dependencies) and run as root"
    }()

    /// Whether the network share tests can run here (see `unavailableReason`).
    public static var isAvailable: Bool { unavailableReason == nil }

    /// The full path of `name` on `PATH`, or nil.
    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        // `map(String.init)`: without it the literal's type makes `split` the one of `Sequence`, whose pieces
        // print as arrays of characters, and only the two fallback folders were ever searched.
        return (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin"]).map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A loopback TCP port that was free a moment ago (bound to port 0, then released).
    static func freeLoopbackPort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw NetworkShareError("socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(socketFD) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
            }
        }
        guard bound else { throw NetworkShareError("cannot bind a loopback port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until something accepts TCP connections on 127.0.0.1:`port`.
    static func waitForListener(on port: Int, name: String, timeout: Duration = .seconds(10)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(socketFD)
            if connected { return }
            usleep(50_000)
        }
        throw NetworkShareError("\(name) does not listen on 127.0.0.1:\(port) after \(timeout)")
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Runs `program` to its end and returns its exit status and output (stdout and stderr together).
    @discardableResult
    static func run(
        _ program: String, _ arguments: [String], input: String? = nil
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: program.hasPrefix("/") ? program : executable(named: program) ?? program)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The last lines of a log file, for error messages.
    static func tail(of logPath: String, lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Every process below `pid` (children, grandchildren, ...), read from `/proc/*/stat`.
    static func descendants(of pid: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry), let parent = parentPID(of: child) else { continue }
            children[parent, default: []].append(child)
        }
        var found: [Int32] = []
        var queue = [pid]
        while let next = queue.popLast() {
            for child in children[next] ?? [] where !found.contains(child) {
                found.append(child)
                queue.append(child)
            }
        }
        return found
    }

    /// The processes whose command line contains `marker` (a path unique to one fixture).
    static func processes(withCommandLineContaining marker: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry), pid != getpid(),
                let bytes = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let commandLine = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return commandLine.contains(marker) ? pid : nil
        }
    }

    /// Whether `pid` exists and is not a zombie (`/proc/PID/stat`).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return false }
        return text[text.index(after: close)...].split(separator: " ").first != "Z"
    }

    /// The parent of `pid` (field 4 of `/proc/PID/stat`, after the parenthesised command name).
    private static func parentPID(of pid: Int32) -> Int32? {
        guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// Sends `signal` to `root` and then to every process below it, again and again until no new one appears
    /// (so that a process forked meanwhile is reached too). Returns every process signalled.
    @discardableResult
    static func signalTree(_ signal: Int32, root: Int32?, alsoMatching marker: String? = nil) -> [Int32] {
        var signalled: [Int32] = []
        while true {
            var targets = root.map { [$0] + descendants(of: $0) } ?? []
            if let marker {
                let matching = processes(withCommandLineContaining: marker)
                targets += matching + matching.flatMap { descendants(of: $0) }
            }
            let fresh = targets.filter { !signalled.contains($0) }
            if fresh.isEmpty { return signalled }
            for pid in fresh { kill(pid, signal) }
            signalled += fresh
        }
    }

    /// Whether `mountPoint` is a mount point now (`/proc/self/mountinfo`).
    public static func isMounted(_ mountPoint: String) -> Bool {
        guard let bytes = FileManager.default.contents(atPath: "/proc/self/mountinfo") else { return false }
        let escaped = mountPoint.replacingOccurrences(of: " ", with: "\\040")
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").contains {
            let fields = $0.split(separator: " ")
            return fields.count > 4 && fields[4] == escaped
        }
    }

    /// Waits until `mountPoint` is mounted, failing early when `process` (the FUSE daemon) exits. Up to a minute: on
    /// a machine busy building, the ssh handshake behind an sshfs mount took more than 15 s.
    static func waitForMount(_ mountPoint: String, by process: NetworkShareDaemon, logPath: String) throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if isMounted(mountPoint) { return }
            if !process.isRunning { break }
            usleep(50_000)
        }
        throw NetworkShareError(
            "\(mountPoint) did not get mounted: \(tail(of: logPath))")
    }

    /// Detaches `mountPoint` at once (`fusermount -uz`), which never waits for a hung FUSE daemon.
    static func lazyUnmount(_ mountPoint: String) {
        guard isMounted(mountPoint) else { return }
        _ = try? run("fusermount", ["-uz", mountPoint])
        if isMounted(mountPoint) { _ = try? run("umount", ["-l", mountPoint]) }
    }
}

/// A network share fixture could not be set up; the message says what failed.
public struct NetworkShareError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
