import FoundationEssentials
import Glibc

/// The content of the lease file `<root>/.getscreen-archiver/lock`: who holds the archive, and until when.
///
/// `flock` is local to each mount, so two machines (or two mounts of one share on one machine) would both get
/// it; the lease file is what they share. It is valid while refreshed: a holder that stopped refreshing for
/// `leaseSeconds` is gone. On the holder's own machine (same boot and pid namespace) a dead pid also ends it at
/// once, so a run killed with `kill -9` does not block the next night.
struct RunLease: Codable, Equatable, Sendable {
    var host: String
    var pid: Int
    var startedAt: String
    /// Random, per run: tells this run's lease from a successor's.
    var token: String
    var refreshedAt: String
    /// `refreshedAt` as Unix seconds, for comparing.
    var refreshedAtUnix: Int
    var leaseSeconds: Int
    /// `/proc/sys/kernel/random/boot_id` of the holder's machine: equal only on the same machine and boot.
    var bootID: String?
    /// The holder's pid namespace (`/proc/self/ns/pid`): pids mean the same thing only inside one.
    var pidNamespace: String?

    enum CodingKeys: String, CodingKey {
        case host, pid, token
        case startedAt = "started_at"
        case refreshedAt = "refreshed_at"
        case refreshedAtUnix = "refreshed_at_unix"
        case leaseSeconds = "lease_seconds"
        case bootID = "boot_id"
        case pidNamespace = "pid_namespace"
    }

    /// A new lease for this process, refreshed now.
    static func forThisProcess(lease: Duration, now: Date = Date()) -> RunLease {
        var token = ""
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4 { token += String(generator.next() as UInt32, radix: 16).zeroPadded(toWidth: 8) }
        let identity = MachineIdentity.current
        return RunLease(
            host: identity.hostName, pid: Int(getpid()), startedAt: now.iso8601UTC, token: token,
            refreshedAt: now.iso8601UTC, refreshedAtUnix: Int(now.timeIntervalSince1970),
            leaseSeconds: Int(lease.components.seconds), bootID: identity.bootID, pidNamespace: identity.pidNamespace)
    }

    /// The same lease, refreshed at `now`.
    func refreshed(at now: Date = Date()) -> RunLease {
        var lease = self
        lease.refreshedAt = now.iso8601UTC
        lease.refreshedAtUnix = Int(now.timeIntervalSince1970)
        return lease
    }

    /// Why a lease no longer holds the archive, or nil while it does.
    ///
    /// Expired (not refreshed for `leaseSeconds`), or held on this machine by a pid that is dead. A live pid on
    /// this machine holds it even when expired: that run may be stuck in a hung storage call until the watchdog
    /// ends it, and two mounts of one share on one machine must never run together.
    func staleness(now: Date = Date(), identity: MachineIdentity = .current) -> String? {
        let isThisMachine =
            bootID != nil && bootID == identity.bootID && pidNamespace != nil && pidNamespace == identity.pidNamespace
        if isThisMachine {
            if kill(pid_t(pid), 0) != 0 && errno == ESRCH { return "its process \(pid) on this machine is gone" }
            return nil
        }
        let age = Int(now.timeIntervalSince1970) - refreshedAtUnix
        return age > leaseSeconds ? "it was last refreshed \(age) s ago, its lease is \(leaseSeconds) s" : nil
    }

    /// The holder, for messages: "pid 4711 on nas-a, started …, last refreshed …".
    var holderDescription: String {
        "pid \(pid) on \(host), started \(startedAt), last refreshed \(refreshedAt) (lease \(leaseSeconds) s)"
    }

    /// The file's bytes: JSON with sorted keys and a final newline.
    func encoded() -> [UInt8] {
        // JSONEncoder, not JSONSerialization: the latter's sortedKeys compares through an ICU locale, which maps
        // several MiB of ICU data into the process for this one small file.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
    }

    /// The lease in `bytes`, or nil when they are not one (a torn write, another program's file).
    init?(decoding bytes: [UInt8]) {
        guard let lease = try? JSONDecoder().decode(RunLease.self, from: Data(bytes)) else { return nil }
        self = lease
    }

    private init(
        host: String, pid: Int, startedAt: String, token: String, refreshedAt: String, refreshedAtUnix: Int,
        leaseSeconds: Int, bootID: String?, pidNamespace: String?
    ) {
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.token = token
        self.refreshedAt = refreshedAt
        self.refreshedAtUnix = refreshedAtUnix
        self.leaseSeconds = leaseSeconds
        self.bootID = bootID
        self.pidNamespace = pidNamespace
    }
}

/// What tells this machine and pid namespace apart from others sharing an archive.
struct MachineIdentity: Sendable {
    var hostName: String
    var bootID: String?
    var pidNamespace: String?

    static let current = MachineIdentity(
        hostName: ProcessInfo.processInfo.hostName,
        bootID: (try? FileBytes.contents(atPath: "/proc/sys/kernel/random/boot_id", limit: 100).bytes).map {
            String(decoding: $0, as: UTF8.self).trimmingWhitespaceAndNewlines()
        },
        pidNamespace: Self.link("/proc/self/ns/pid"))

    private static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String {
    fileprivate func zeroPadded(toWidth width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
