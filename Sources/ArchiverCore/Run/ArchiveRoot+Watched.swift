extension ArchiveRoot {
    /// The configured archive root, checked as a run starts, with the storage watchdog armed with
    /// `timeouts.storage` first: on a hung share, even this first look at the root would block.
    /// - Throws: `ArchiverError.archiveRootMissing`, `.archiveRootNotMounted` or `.archiveRootOutsideMount`.
    static func checked(
        _ configuration: ArchiverConfiguration,
        watchdog: StorageWatchdog = .shared
    ) throws(ArchiverError) -> ArchiveRoot {
        watchdog.arm(timeout: configuration.storageTimeout)
        return try watchdog.guarding("looking at the archive root \(configuration.archiveRoot)") {
            () throws(ArchiverError) in
            try ArchiveRoot(path: configuration.archiveRoot, mount: configuration.mountRequirement)
        }
    }
}
