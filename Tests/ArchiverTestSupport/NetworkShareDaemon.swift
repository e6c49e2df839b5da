import Foundation
import Glibc
import Synchronization

/// A long-running server or FUSE client started by a network share fixture, reaped by the fixture itself.
///
/// Not a Foundation `Process`: corelibs Foundation learns that a child ended when a socket it hands the child
/// reaches end-of-file, and then calls a blocking `waitpid` on the one thread that serves every `Process`. sshd and
/// sshfs close the descriptors they inherit at start, so that thread would block in `waitpid` for as long as they
/// live, and no other `Process` (the archiver runs) would ever be reported as ended. Here the child is started with
/// `posix_spawn`, every inherited descriptor above stderr closed, and reaped with `waitpid(WNOHANG)`.
final class NetworkShareDaemon: Sendable {
    let pid: pid_t
    private let reaped = Mutex(false)

    /// Starts `program` with `arguments`, stdin from /dev/null and stdout and stderr appended to `logPath`.
    init(_ program: String, _ arguments: [String], logPath: String, environment: [String: String]? = nil) throws {
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw NetworkShareError("cannot open \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        // Every other descriptor this process has open, which may not be close-on-exec (glibc ignores those
        // closed meanwhile).
        let openDescriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in openDescriptors.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        let environment = environment ?? ProcessInfo.processInfo.environment
        let program = program.hasPrefix("/") ? program : NetworkShareSupport.executable(named: program) ?? program
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0)=\($1)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // A clean signal state: the test process may block or ignore signals (SIGPIPE, SIGCHLD), which a child
        // inherits across exec; sshfs then drops its mount on a lost connection instead of reconnecting.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw NetworkShareError("cannot start \(program): \(String(cString: strerror(status)))")
        }
        self.pid = pid
    }

    /// Whether the process still runs: reaps it when it has ended, and reads `/proc` besides, because a test
    /// process that lets the system reap its children (SIGCHLD ignored) never sees its status.
    var isRunning: Bool {
        reaped.withLock { reaped in
            guard !reaped else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid || !NetworkShareSupport.isAlive(pid) { reaped = true }
            return !reaped
        }
    }

    /// Kills the process and everything below it (and, with `marker`, every process naming it on its command
    /// line), then waits up to 5 s for them to end.
    func killTree(alsoMatching marker: String? = nil) {
        let root = isRunning ? pid : nil
        NetworkShareSupport.signalTree(SIGCONT, root: root, alsoMatching: marker)
        let killed = NetworkShareSupport.signalTree(SIGKILL, root: root, alsoMatching: marker)
        let deadline = ContinuousClock.now + .seconds(5)
        while (isRunning || killed.contains(where: NetworkShareSupport.isAlive)) && ContinuousClock.now < deadline {
            usleep(10_000)
        }
    }
}
