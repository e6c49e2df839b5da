import Curl
import FoundationEssentials
import Glibc
import Logging
import Synchronization

/// Keeps two runs off one archive, on one machine and across machines.
///
/// Two locks, because neither suffices alone:
/// - an exclusive `flock` on the archive root folder, which the kernel drops however the holder dies, but which is
///   local to each mount: two machines, or two mounts of one share, both get it;
/// - a lease file, `<root>/.getscreen-archiver/lock` (`RunLease`), created exclusively once the run starts
///   writing, refreshed while it lives, and removed at release. Another run takes it over only when it is stale.
///
/// The lease file is only ever written in place (`pwrite`, `ftruncate`, `fsync` on its descriptor): no temporary
/// file and rename, which leave `.dat.nosync*` files behind and fail with `EBUSY` on SMB shares. Dry runs take the
/// `flock` and check the lease, and write nothing.
final class RunLock: Sendable {
    /// How often the lease is refreshed and how long it holds; tests shorten them.
    struct Timing: Sendable {
        /// The pause between refreshes.
        var refreshInterval: Duration = .seconds(60)
        /// How long a lease holds without a refresh.
        var lease: Duration = .seconds(600)
        /// After taking a stale lease over, how long to wait before checking that it still holds this run's
        /// token: another run that judged it stale at the same moment has written its own by then.
        var takeoverSettling: Duration = .seconds(1)

        /// The defaults: a refresh a minute, a ten-minute lease, a second to settle a takeover.
        init() {}
    }

    /// The lease file's name inside the tool's folder.
    static let leaseFileName = "lock"
    /// The holder file of earlier versions, written by rename on every run; removed when found.
    private static let legacyHolderFileName = "lock-holder.json"

    private struct State {
        var lease: RunLease?
        var leaseDescriptor: Int32 = -1
        var isReleased = false
        var isLost = false
    }

    private let descriptor: Int32
    private let root: ArchiveRoot
    private let timing: Timing
    private let watchdog: StorageWatchdog
    private let logger: Logger
    private let onLost: @Sendable (ArchiverError) -> Void
    private let state = Mutex(State())

    /// The lease file's path.
    var leasePath: String { "\(root.path)/\(ArchiveRoot.stateFolderName)/\(Self.leaseFileName)" }

    private init(
        descriptor: Int32, root: ArchiveRoot, timing: Timing, watchdog: StorageWatchdog, logger: Logger,
        onLost: @escaping @Sendable (ArchiverError) -> Void
    ) {
        self.descriptor = descriptor
        self.root = root
        self.timing = timing
        self.watchdog = watchdog
        self.logger = logger
        self.onLost = onLost
    }

    /// Takes the `flock` on `root`, at once or not at all, and checks that no other run's lease is live. Writes
    /// nothing.
    /// - Parameter onLost: Called from the refreshing thread when another run took the lease over; by default
    ///   writes the error to stderr and ends the process with exit code 3, since two runs must not go on
    ///   writing one archive.
    /// - Throws: `ArchiverError.archiveBusy` quoting the holder when another run has the archive.
    static func acquire(
        _ root: ArchiveRoot,
        timing: Timing = Timing(),
        watchdog: StorageWatchdog = .shared,
        logger: Logger,
        onLost: @escaping @Sendable (ArchiverError) -> Void = StorageWatchdog.exitProcess
    ) throws(ArchiverError) -> RunLock {
        let descriptor = watchdog.guarding("opening the archive root \(root.path)") {
            open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard descriptor >= 0 else { throw .archiveUnwritable(path: root.path, errno: errno) }
        let lock = RunLock(
            descriptor: descriptor, root: root, timing: timing, watchdog: watchdog, logger: logger, onLost: onLost)
        guard watchdog.guarding("locking the archive root \(root.path)", { flock(descriptor, LOCK_EX | LOCK_NB) }) == 0
        else {
            let lockErrno = errno
            close(descriptor)
            guard lockErrno == EWOULDBLOCK else { throw .archiveUnwritable(path: root.path, errno: lockErrno) }
            if case .live(let holder) = lock.currentHolder() { throw .archiveBusy(holder: holder) }
            throw .archiveBusy(holder: "a run on this machine that has not written its lease yet, or a dry run")
        }
        if case .live(let holder) = lock.currentHolder() {
            lock.release()
            throw .archiveBusy(holder: holder)
        }
        return lock
    }

    /// Takes the lease for a run that is about to write below the root: creates the lease file exclusively, or
    /// takes a stale one over, then refreshes it every `timing.refreshInterval` until `release()`.
    /// - Parameters:
    ///   - fileMode: The mode of the lease file (`archive.file_mode`).
    ///   - folderMode: The mode of the tool's folder, when this creates it.
    /// - Throws: `ArchiverError.archiveBusy` when a live lease appeared meanwhile, `.archiveUnwritable`.
    func claimLease(fileMode: UInt32, folderMode: UInt32) throws(ArchiverError) {
        try watchdog.guarding("creating \(root.path)/\(ArchiveRoot.stateFolderName)") { () throws(ArchiverError) in
            _ = try root.createFolders(ArchiveRoot.stateFolderName, mode: folderMode)
        }
        removeLegacyHolderFile()
        let path = leasePath
        let lease = RunLease.forThisProcess(lease: timing.lease)
        for _ in 0..<3 {
            var tookOver = false
            var leaseDescriptor = watchdog.guarding("creating the lock \(path)") {
                open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(fileMode))
            }
            if leaseDescriptor < 0 {
                guard errno == EEXIST else { throw .archiveUnwritable(path: path, errno: errno) }
                switch currentHolder() {
                case .nobody: continue  // released meanwhile: create it again
                case .live(let holder): throw .archiveBusy(holder: holder)
                case .stale(let reason):
                    logger.info("taking over a stale lock", metadata: ["lock": "\(path)", "reason": "\(reason)"])
                }
                leaseDescriptor = watchdog.guarding("opening the lock \(path)") {
                    open(path, O_RDWR | O_CLOEXEC)
                }
                guard leaseDescriptor >= 0 else {
                    if errno == ENOENT { continue }
                    throw .archiveUnwritable(path: path, errno: errno)
                }
                tookOver = true
            }
            // open applies the umask; the configured mode is meant exactly. A share may ignore it.
            _ = watchdog.guarding("setting the mode of \(path)") { fchmod(leaseDescriptor, mode_t(fileMode)) }
            if let failure = write(lease, to: leaseDescriptor) {
                closeLease(leaseDescriptor)
                if !tookOver { _ = watchdog.guarding("removing \(path)") { unlink(path) } }
                throw .archiveUnwritable(path: path, errno: failure)
            }
            if tookOver {
                pause(timing.takeoverSettling)
                let found = readLease()
                guard case .lease(let current) = found, current.token == lease.token else {
                    closeLease(leaseDescriptor)
                    if case .lease(let current) = found { throw .archiveBusy(holder: current.holderDescription) }
                    throw .archiveBusy(holder: "another run that took the stale lock \(path) over at the same time")
                }
            }
            state.withLock {
                $0.lease = lease
                $0.leaseDescriptor = leaseDescriptor
            }
            startRefreshing()
            return
        }
        throw .archiveBusy(holder: "other runs that keep taking the lock \(path) over")
    }

    /// Stops refreshing, removes the lease file if it is still this run's, and releases the `flock`; once.
    ///
    /// The lease file is closed before it is removed: SMB refuses to remove a file that is open (`EBUSY`). A lease
    /// that cannot be removed is left for the next run, which takes it over (same machine, dead pid; or expired).
    func release() {
        let release = state.withLock { state -> (leaseDescriptor: Int32, lease: RunLease?)? in
            guard !state.isReleased else { return nil }
            state.isReleased = true
            defer { state.leaseDescriptor = -1 }
            return (state.leaseDescriptor, state.isLost ? nil : state.lease)
        }
        guard let (leaseDescriptor, lease) = release else { return }  // released already
        if leaseDescriptor >= 0 { closeLease(leaseDescriptor) }
        if let lease, case .lease(let current) = readLease(), current.token == lease.token {
            let path = leasePath
            if watchdog.guarding("removing the lock \(path)", { unlink(path) }) != 0 {
                logger.debug(
                    "could not remove the lock; the next run takes it over",
                    metadata: ["lock": "\(path)", "errno": "\(String(cString: strerror(errno)))"])
            }
        }
        _ = watchdog.guarding("unlocking the archive root \(root.path)") { flock(descriptor, LOCK_UN) }
        _ = watchdog.guarding("closing the archive root \(root.path)") { close(descriptor) }
    }

    // MARK: - Refreshing

    /// Refreshes the lease on a thread of its own, so that a run busy in long calls still holds it.
    private func startRefreshing() {
        DriverThread.start(name: "lease-refresh") { [self] in
            while true {
                var waited = Duration.zero
                while waited < timing.refreshInterval {
                    let step = min(timing.refreshInterval - waited, .milliseconds(200))
                    pause(step)
                    waited += step
                    if state.withLock({ $0.isReleased }) { return }
                }
                if let lost = refresh() {
                    onLost(lost)
                    return
                }
            }
        }
    }

    /// Rewrites the lease with a new refresh time, after checking that the file still holds this run's token.
    /// - Returns: the error to stop the run with when another run took the lease over.
    private func refresh() -> ArchiverError? {
        state.withLock { state -> ArchiverError? in
            guard !state.isReleased, !state.isLost, let lease = state.lease else { return nil }
            let found = readLease()
            guard case .lease(let current) = found, current.token == lease.token else {
                state.isLost = true
                let holder =
                    if case .lease(let current) = found { current.holderDescription } else {
                        "its file is gone or unreadable"
                    }
                return .lockLost(path: leasePath, holder: holder)
            }
            let refreshed = lease.refreshed()
            if let failure = write(refreshed, to: state.leaseDescriptor) {
                logger.warning(
                    "cannot refresh the lock; trying again at the next refresh",
                    metadata: ["lock": "\(leasePath)", "errno": "\(String(cString: strerror(failure)))"])
            } else {
                state.lease = refreshed
            }
            return nil
        }
    }

    // MARK: - Reading and writing the lease file

    /// What the lease file says about the archive's holder.
    enum Holder: Equatable {
        /// No lease file.
        case nobody
        /// A live lease: another run holds the archive.
        case live(String)
        /// A lease that no longer holds, for the reason given.
        case stale(String)
    }

    /// What the lease file says now. A file that is not a lease (a torn write, another program's file) holds for
    /// as long as a lease would since its last change.
    func currentHolder() -> Holder {
        switch readLease() {
        case .absent:
            return .nobody
        case .lease(let lease):
            return lease.staleness().map(Holder.stale) ?? .live(lease.holderDescription)
        case .unreadable(let ageSeconds):
            let description = "an unreadable lock file \(leasePath), changed \(ageSeconds) s ago"
            return ageSeconds > Int(timing.lease.components.seconds)
                ? .stale(description) : .live("\(description); remove it if no run is using the archive")
        }
    }

    private enum LeaseFile {
        case absent
        case lease(RunLease)
        case unreadable(ageSeconds: Int)
    }

    /// Reads the lease file by its path (not through this run's descriptor, which a takeover does not change).
    private func readLease() -> LeaseFile {
        let path = leasePath
        return watchdog.guarding("reading the lock \(path)") { () -> LeaseFile in
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return errno == ENOENT ? .absent : .unreadable(ageSeconds: 0) }
            defer { close(descriptor) }
            var info = stat()
            let age = fstat(descriptor, &info) == 0 ? Int(Date().timeIntervalSince1970) - info.st_mtim.tv_sec : 0
            guard info.st_mode & S_IFMT == S_IFREG, let bytes = FileBytes.read(from: descriptor, upTo: 64 << 10),
                let lease = RunLease(decoding: bytes)
            else { return .unreadable(ageSeconds: age) }
            return .lease(lease)
        }
    }

    /// Replaces the content of the open lease file with `lease`, durably. - Returns: the `errno` of a failure.
    private func write(_ lease: RunLease, to leaseDescriptor: Int32) -> Int32? {
        let bytes = lease.encoded()
        return watchdog.guarding("writing the lock \(leasePath)") { () -> Int32? in
            let written = bytes.withUnsafeBytes { pwrite(leaseDescriptor, $0.baseAddress, $0.count, 0) }
            guard written == bytes.count else { return written < 0 ? errno : EIO }
            guard ftruncate(leaseDescriptor, off_t(bytes.count)) == 0, fsync(leaseDescriptor) == 0 else { return errno }
            return nil
        }
    }

    private func closeLease(_ leaseDescriptor: Int32) {
        if watchdog.guarding("closing the lock \(leasePath)", { close(leaseDescriptor) }) != 0 {
            logger.debug(
                "closing the lock failed", metadata: ["errno": "\(String(cString: strerror(errno)))"])
        }
    }

    /// Removes the holder file of earlier versions; one that cannot be removed is left, with a debug log.
    private func removeLegacyHolderFile() {
        let path = "\(root.path)/\(ArchiveRoot.stateFolderName)/\(Self.legacyHolderFileName)"
        if watchdog.guarding("removing \(path)", { unlink(path) }) != 0, errno != ENOENT {
            logger.debug(
                "could not remove the old holder file",
                metadata: ["file": "\(path)", "errno": "\(String(cString: strerror(errno)))"])
        }
    }

    private func pause(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
