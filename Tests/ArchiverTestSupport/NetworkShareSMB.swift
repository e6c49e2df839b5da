import Foundation
import Glibc
import Synchronization

/// A real SMB share on loopback: its own `smbd` (own smb.conf and private, lock, state, cache and pid folders,
/// a free port on 127.0.0.1 only, a share `archive` for the user root with a fresh password) and the FUSE client
/// `smbnetfs` mounted on a folder.
///
/// smbnetfs shows a share as a subfolder of its mount point, `<mountPoint>/<host>/<share>`; the host is
/// `127.0.0.1:<port>` because smbnetfs hands the name to libsmbclient as is, which reads a port from it. So
/// `sharePath` (where an archive root goes) and `mountPoint` (what `/proc/mounts` lists) differ.
/// Needs `NetworkShareSupport.unavailableReason == nil`.
public final class SMBShare: Sendable {
    /// The share's name in smb.conf.
    public static let shareName = "archive"
    /// The exported folder on the server's side (a local folder).
    public let export: String
    /// The server's port on 127.0.0.1.
    public let port: Int
    /// The smbnetfs mount point (the file system's root, not the share).
    public let mountPoint: String
    private let folder: TemporaryDirectory
    private let state: Mutex<State>

    private struct State {
        var server: NetworkShareDaemon?
        var client: NetworkShareDaemon?
    }

    /// The share as seen through the mount: `<mountPoint>/127.0.0.1:<port>/archive`.
    public var sharePath: String { "\(mountPoint)/127.0.0.1:\(port)/\(Self.shareName)" }

    private var configPath: String { "\(folder.path)/smb.conf" }
    private var serverLog: String { "\(folder.path)/smbd.log" }
    private var clientHome: String { "\(folder.path)/client-home" }
    private var clientLog: String { "\(folder.path)/smbnetfs.log" }

    /// Writes the server's and the client's configuration, starts `smbd` and mounts the share with `smbnetfs`.
    public init() throws {
        folder = try TemporaryDirectory(prefix: "smb-share")
        export = try folder.subfolder("export")
        mountPoint = try folder.subfolder("mount")
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
        var global = [
            "interfaces = 127.0.0.1", "bind interfaces only = yes", "smb ports = \(port)",
            "server role = standalone server", "workgroup = WORKGROUP", "netbios name = TESTNAS",
            "passdb backend = tdbsam:\(folder.path)/private/passdb.tdb", "log file = \(folder.path)/log.%m",
            "load printers = no", "printing = bsd", "printcap name = /dev/null", "disable spoolss = yes",
        ]
        let ownFolders = [
            ("private dir", "private"), ("lock directory", "lock"), ("state directory", "state"),
            ("cache directory", "cache"), ("pid directory", "pid"), ("ncalrpc dir", "ncalrpc"),
        ]
        for (parameter, name) in ownFolders { global.append("\(parameter) = \(try folder.subfolder(name))") }
        let config = """
            [global]
            \(global.map { "  \($0)" }.joined(separator: "\n"))
            [\(Self.shareName)]
              path = \(export)
              read only = no
              valid users = root

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let password = UUID().uuidString
        let added = try NetworkShareSupport.run(
            "smbpasswd", ["-c", configPath, "-a", "-s", "root"], input: "\(password)\n\(password)\n")
        guard added.status == 0 else { throw NetworkShareError("smbpasswd failed: \(added.output)") }
        try startServer()

        // smbnetfs reads ~/.smb/smbnetfs.conf (the credentials) and libsmbclient ~/.smb/smb.conf.
        let clientConfig = "\(clientHome)/.smb"
        try FileManager.default.createDirectory(atPath: clientConfig, withIntermediateDirectories: true)
        try "[global]\n  workgroup = WORKGROUP\n  client min protocol = SMB2\n".write(
            toFile: "\(clientConfig)/smb.conf", atomically: true, encoding: .utf8)
        try "auth \"root\" \"\(password)\"\nsmb_query_browsers false\n".write(
            toFile: "\(clientConfig)/smbnetfs.conf", atomically: true, encoding: .utf8)
        chmod("\(clientConfig)/smbnetfs.conf", 0o600)
        let environment = ProcessInfo.processInfo.environment.merging(["HOME": clientHome]) { $1 }
        let client = try NetworkShareDaemon(
            "smbnetfs",
            [
                mountPoint, "-f", "-o",
                "config=\(clientConfig)/smbnetfs.conf,log_file=\(folder.path)/smbnetfs-debug.log",
            ],
            logPath: clientLog, environment: environment)
        state.withLock { $0.client = client }
        try NetworkShareSupport.waitForMount(mountPoint, by: client, logPath: clientLog)
        try waitForShare()
    }

    private func startServer() throws {
        let server = try NetworkShareDaemon(
            NetworkShareSupport.smbd, ["-F", "--no-process-group", "--debug-stdout", "-s", configPath],
            logPath: serverLog)
        state.withLock { $0.server = server }
        do {
            try NetworkShareSupport.waitForListener(on: port, name: "smbd")
        } catch {
            throw NetworkShareError("\(error): \(NetworkShareSupport.tail(of: serverLog))")
        }
    }

    /// Waits until the share answers through the mount (smbnetfs connects on first use).
    private func waitForShare() throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if (try? FileManager.default.contentsOfDirectory(atPath: sharePath)) != nil { return }
            usleep(100_000)
        }
        throw NetworkShareError(
            "\(sharePath) does not answer: \(NetworkShareSupport.tail(of: clientLog))\n"
                + NetworkShareSupport.tail(of: serverLog))
    }

    /// Stops the server and every process it started (SIGSTOP): the share hangs.
    public func suspendServer() { signalServer(SIGSTOP) }

    /// Lets a suspended server go on (SIGCONT).
    public func resumeServer() { signalServer(SIGCONT) }

    /// smbd, the per-connection smbd processes and the RPC helpers it starts on demand (samba-dcerpcd, rpcd_*),
    /// which name the configuration file on their command line.
    private func signalServer(_ signal: Int32) {
        let server = state.withLock { $0.server }.flatMap { $0.isRunning ? $0 : nil }
        NetworkShareSupport.signalTree(signal, root: server?.pid, alsoMatching: configPath)
    }

    /// Kills the server and everything it started (SIGKILL).
    public func killServer() {
        if let server = state.withLock({ $0.server }) {
            server.killTree(alsoMatching: configPath)
        }
        state.withLock { $0.server = nil }
    }

    /// Kills the server if it runs and starts a new one on the same port.
    public func restartServer() throws {
        killServer()
        try startServer()
    }

    /// Resumes the server, detaches the mount (lazily), kills smbnetfs and the server, deletes the folders.
    /// Safe to call more than once.
    public func tearDown() {
        resumeServer()
        NetworkShareSupport.lazyUnmount(mountPoint)
        if let client = state.withLock({ $0.client }) { client.killTree() }
        state.withLock { $0.client = nil }
        killServer()
        NetworkShareSupport.signalTree(SIGKILL, root: nil, alsoMatching: folder.path)
        if !NetworkShareSupport.isMounted(mountPoint) { folder.remove() }
    }
}
