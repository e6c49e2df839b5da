import FoundationEssentials
import Glibc
import Synchronization

/// Keeps two runs off one archive: an exclusive `flock` on the archive root folder itself.
///
/// Locking the root (not a file inside it) lets a dry run, which must create nothing, take the lock too. The
/// kernel drops the lock when the holder exits, however it dies, so a dead holder never blocks. Real runs
/// also write who holds it (pid, host, start time) to `.getscreen-archiver/lock-holder.json` once they start
/// writing, which a second run quotes in its error message.
final class RunLock: Sendable {
    private static let holderFileName = "lock-holder.json"

    private let descriptor: Int32
    private let root: ArchiveRoot
    private let holderPath = Mutex<String?>(nil)

    private init(descriptor: Int32, root: ArchiveRoot) {
        self.descriptor = descriptor
        self.root = root
    }

    /// Takes the lock on `root`, at once or not at all. Writes nothing.
    /// - Throws: `ArchiverError.archiveBusy` naming the holder when another run has it.
    static func acquire(_ root: ArchiveRoot) throws(ArchiverError) -> RunLock {
        let descriptor = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .archiveUnwritable(path: root.path, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let lockErrno = errno
            close(descriptor)
            guard lockErrno == EWOULDBLOCK else { throw .archiveUnwritable(path: root.path, errno: lockErrno) }
            throw .archiveBusy(holder: holderDescription(root))
        }
        return RunLock(descriptor: descriptor, root: root)
    }

    /// Writes who holds the lock into the state folder, for a second run's message. Called by real runs
    /// once they start writing below the root (never by dry runs, which write nothing).
    /// - Throws: `ArchiverError.archiveUnwritable`.
    func recordHolder() throws(ArchiverError) {
        let path = "\(root.path)/\(ArchiveRoot.stateFolderName)/\(Self.holderFileName)"
        try root.createFolders(ArchiveRoot.stateFolderName)
        let holder = Holder(
            pid: Int(getpid()), host: ProcessInfo.processInfo.hostName, startedAt: Date().iso8601UTC)
        do {
            // JSONEncoder, not JSONSerialization: the latter's sortedKeys compares through an ICU locale,
            // which maps several MiB of ICU data into the process for this one small file.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(holder)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .archiveUnwritable(path: path, errno: EIO)
        }
        holderPath.withLock { $0 = path }
    }

    /// Releases the lock and removes the holder file.
    func release() {
        if let path = holderPath.withLock({ $0 }) { unlink(path) }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func holderDescription(_ root: ArchiveRoot) -> String {
        let path = "\(root.path)/\(ArchiveRoot.stateFolderName)/\(holderFileName)"
        guard let bytes = try? FileBytes.contents(atPath: path, limit: 64 << 10).bytes,
            let holder = try? JSONDecoder().decode(Holder.self, from: Data(bytes))
        else {
            return "a dry run, or a run that has not recorded its details yet"
        }
        return "pid \(holder.pid) on \(holder.host ?? "?"), started \(holder.startedAt ?? "?")"
    }

    /// The holder file's content.
    private struct Holder: Codable {
        var pid: Int
        var host: String?
        var startedAt: String?

        enum CodingKeys: String, CodingKey {
            case pid, host
            case startedAt = "started_at"
        }
    }
}
