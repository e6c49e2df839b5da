extension ArchiverConfiguration {
    /// This configuration with its archive in `bucket` instead of a folder, its catalog, lock and spool in the
    /// local `stateDirectory` (for tests and tools that build configurations in code; `ConfigurationLoader` reads
    /// `archive.root: s3://…` and the `s3` section).
    public func archiving(into bucket: BucketLocation, stateDirectory: String) -> ArchiverConfiguration {
        var configuration = self
        configuration.bucket = bucket
        configuration.archiveRoot = bucket.uri
        configuration.mountRequirement = .none
        configuration.stateDirectory = stateDirectory
        return configuration
    }
}
