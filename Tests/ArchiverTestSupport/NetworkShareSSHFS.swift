import Foundation
import Glibc
import Synchronization

/// A real SSHFS share on loopback: its own `sshd` (a free port on 127.0.0.1, a fresh ed25519 host key, key-only
/// login as root with a fresh client key) serving an export folder, and `sshfs` mounts of that folder.
///
/// Several mounts of one export are "two machines, one NAS". The server can be suspended (SIGSTOP: a hung NAS),
/// resumed, killed (a lost NAS) and restarted on the same port. `tearDown()` never hangs, even with the server
/// stopped. Needs `NetworkShareSupport.unavailableReason == nil`.
public final class SSHFSShare: Sendable {
    /// The exported folder on the server's side (a local folder): what every mount shows.
    public let export: String
    /// The server's port on 127.0.0.1.
    public let port: Int
    private let folder: TemporaryDirectory
    private let state: Mutex<State>

    private struct State {
        var server: NetworkShareDaemon?
        var mounts: [(mountPoint: String, client: NetworkShareDaemon)] = []
    }

    private var configPath: String { "\(folder.path)/sshd_config" }
    private var clientKey: String { "\(folder.path)/client_key" }
    private var serverLog: String { "\(folder.path)/sshd.log" }
    private var sftpLog: String { "\(folder.path)/sftp.log" }

    /// What the SFTP server logged: a line per request, such as `fsync "<export>/a.part"` (lines end with CR LF).
    public var sftpRequestLog: String { (try? String(contentsOfFile: sftpLog, encoding: .utf8)) ?? "" }

    /// Requests the SFTP server refuses (`sftp-server -P`), such as `["write"]`: a share that loses written bytes
    /// and says so only when the file is flushed or closed (sshfs writes asynchronously).
    private let refusedRequests: [String]

    /// Creates the keys and configuration and starts the server, whose SFTP server logs every request
    /// (`sftpRequestLog`) and refuses `refusing`.
    public init(refusing refusedRequests: [String] = []) throws {
        self.refusedRequests = refusedRequests
        folder = try TemporaryDirectory(prefix: "sshfs-share")
        export = try folder.subfolder("export")
        port = try NetworkShareSupport.freeLoopbackPort()
        state = Mutex(State())
        do {
            try setUp()
        } catch {
            tearDown()
            throw error
        }
    }

    private func setUp() throws {
        for key in ["host_key", "client_key"] {
            let made = try NetworkShareSupport.run(
                "ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sshfs-share", "-f", "\(folder.path)/\(key)"])
            guard made.status == 0 else { throw NetworkShareError("ssh-keygen failed: \(made.output)") }
        }
        try FileManager.default.copyItem(atPath: "\(clientKey).pub", toPath: "\(folder.path)/authorized_keys")
        // OpenSSH's sftp-server, logging each request (open, fsync, close, ...) to a file of the test's own.
        let refusal = refusedRequests.isEmpty ? "" : " -P \(refusedRequests.joined(separator: ","))"
        let sftpServer = "#!/bin/sh\nexec \(NetworkShareSupport.sftpServer) -e -l VERBOSE\(refusal) 2>>\(sftpLog)\n"
        try sftpServer.write(toFile: "\(folder.path)/sftp-server", atomically: true, encoding: .utf8)
        chmod("\(folder.path)/sftp-server", 0o755)
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(folder.path)/host_key
            PidFile \(folder.path)/sshd.pid
            AuthorizedKeysFile \(folder.path)/authorized_keys
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            Subsystem sftp \(folder.path)/sftp-server

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        // sshd's privilege separation folder, compiled in; a container may not have it.
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try startServer()
    }

    private func startServer() throws {
        let server = try NetworkShareDaemon(
            NetworkShareSupport.sshd, ["-D", "-e", "-f", configPath], logPath: serverLog)
        state.withLock { $0.server = server }
        do {
            try NetworkShareSupport.waitForListener(on: port, name: "sshd")
        } catch {
            throw NetworkShareError("\(error): \(NetworkShareSupport.tail(of: serverLog))")
        }
    }

    /// Mounts the export on a new folder with `sshfs` and returns that mount point.
    /// - Parameter options: extra `-o` options, e.g. `["reconnect", "ServerAliveInterval=2"]`.
    @discardableResult
    public func mount(options: [String] = []) throws -> String {
        let index = state.withLock { $0.mounts.count }
        let mountPoint = try folder.subfolder("mount-\(index)")
        let logPath = "\(folder.path)/sshfs-\(index).log"
        let allOptions =
            [
                "IdentityFile=\(clientKey)", "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null",
                "BatchMode=yes", "LogLevel=ERROR",
            ] + options
        let client = try NetworkShareDaemon(
            "sshfs",
            ["root@127.0.0.1:\(export)", mountPoint, "-f", "-p", "\(port)", "-o", allOptions.joined(separator: ",")],
            logPath: logPath)
        state.withLock { $0.mounts.append((mountPoint, client)) }
        try NetworkShareSupport.waitForMount(mountPoint, by: client, logPath: logPath)
        // The first request completes the SFTP session; sshfs exits, reconnect or not, when its connection is
        // lost before that.
        _ = try FileManager.default.contentsOfDirectory(atPath: mountPoint)
        return mountPoint
    }

    /// The last lines of the server's and the mounts' logs, for failure messages.
    public var logs: String {
        let clients = (0..<state.withLock { $0.mounts.count }).map { "\(folder.path)/sshfs-\($0).log" }
        return ([serverLog] + clients).map { "\($0):\n\(NetworkShareSupport.tail(of: $0))" }.joined(separator: "\n")
    }

    /// The server and every process below it (one per connection, which serves the SFTP session).
    public var serverProcesses: [Int32] {
        guard let server = state.withLock({ $0.server }), server.isRunning else { return [] }
        return [server.pid] + NetworkShareSupport.descendants(of: server.pid)
    }

    /// Stops the server and every process serving a mount (SIGSTOP): the share hangs as a stuck NAS does.
    public func suspendServer() {
        guard let server = runningServer else { return }
        NetworkShareSupport.signalTree(SIGSTOP, root: server.pid)
    }

    /// Lets a suspended server go on (SIGCONT).
    public func resumeServer() {
        guard let server = runningServer else { return }
        NetworkShareSupport.signalTree(SIGCONT, root: server.pid)
    }

    /// Kills the server and every process serving a mount (SIGKILL): the NAS is gone.
    public func killServer() {
        guard let server = state.withLock({ $0.server }) else { return }
        server.killTree()
        state.withLock { $0.server = nil }
    }

    /// Kills the server if it runs and starts a new one on the same port, with the same keys.
    public func restartServer() throws {
        killServer()
        try startServer()
    }

    private var runningServer: NetworkShareDaemon? {
        state.withLock { $0.server }.flatMap { $0.isRunning ? $0 : nil }
    }

    /// Resumes the server, detaches every mount (lazily: never waits for the server), kills the clients and the
    /// server, and deletes the folders. Safe to call more than once.
    public func tearDown() {
        resumeServer()
        let mounts = state.withLock { state in
            defer { state.mounts = [] }
            return state.mounts
        }
        for mount in mounts {
            NetworkShareSupport.lazyUnmount(mount.mountPoint)
            mount.client.killTree()
        }
        killServer()
        // ssh, started by sshfs, is not always below it; it names the client key, in this folder.
        NetworkShareSupport.signalTree(SIGKILL, root: nil, alsoMatching: folder.path)
        if mounts.allSatisfy({ !NetworkShareSupport.isMounted($0.mountPoint) }) { folder.remove() }
    }
}
