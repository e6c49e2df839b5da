import ObjectStorage

extension S3Credentials {
    /// The credentials of a configuration loaded with `requiresBucketCredentials: false`, for commands that never
    /// reach the bucket (`failures`): both parts empty, so a request signed with them by mistake is refused by the
    /// store (`InvalidAccessKeyId`) rather than leaking anything; `isLoaded` tells them apart.
    static let notLoaded = S3Credentials(accessKeyID: "", secretAccessKey: "")

    /// Whether these are real credentials rather than `notLoaded`.
    var isLoaded: Bool { !accessKeyID.isEmpty }
}
