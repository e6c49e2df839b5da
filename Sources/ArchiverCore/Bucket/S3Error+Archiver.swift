import Curl
import Glibc
import ObjectStorage

extension S3Error {
    /// The error that stops the run, when this one means no other request can succeed either: the key or its
    /// signature rejected, access denied, the bucket missing, the endpoint unreachable, the spool unusable.
    /// Nil for a failure of this request alone (a store that kept failing inside, refused bytes), which fails
    /// one recording (`recordingFailure(sessionID:)`).
    var runStoppingError: ArchiverError? {
        switch kind {
        case .service(let code, let status):
            switch code {
            case "SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthorizationHeaderMalformed",
                "RequestTimeTooSkewed", "InvalidToken":
                return .objectStorage(.keyRejected, message: description)
            case "AccessDenied", "Forbidden", "AllAccessDisabled", "AccountProblem":
                return .objectStorage(.accessDenied, message: description)
            case "NoSuchBucket", "PermanentRedirect", "InvalidBucketName":
                return .objectStorage(.bucketMissing, message: description)
            default:
                return status == 401 ? .objectStorage(.keyRejected, message: description) : nil
            }
        case .transport(let error):
            switch error.kind {
            case .resolve, .connect, .badURL: return .objectStorage(.unreachable, message: description)
            default: return nil
            }
        case .localFile(let path, let errno):
            return .archiveUnwritable(path: path, errno: errno)
        case .unexpectedAnswer, .checksumMismatch:
            return nil
        }
    }

    /// This request's failure as the failure of one recording, once it was tried as often as `retry.attempts`
    /// says.
    func recordingFailure(sessionID: Int) -> RecordingFailure {
        RecordingFailure(sessionID: sessionID, code: .storageUploadFailed, reason: description)
    }

    /// The error that ends a run that cannot go on without this request (a listing, a sidecar it must read).
    var archiverError: ArchiverError {
        runStoppingError ?? .objectStorage(.failing, message: description)
    }
}
