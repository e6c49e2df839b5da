/// How the archive's object storage failed a run, the way `ArchiverError.objectStorage` tells them apart: each has
/// the exit code and report code of the API's or the folder's equivalent.
public enum ObjectStorageProblem: Sendable, Equatable {
    /// The store rejected the access key or the signature (as the API rejecting its key).
    case keyRejected
    /// The key may not do what the run needs on the bucket.
    case accessDenied
    /// The bucket does not exist (as a missing archive root folder).
    case bucketMissing
    /// The endpoint could not be reached (as the API unreachable).
    case unreachable
    /// The store kept failing after every retry, or answered what S3 does not.
    case failing
}
