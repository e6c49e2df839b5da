/// An S3 access key pair. Its descriptions and its mirror show the access key ID, never the secret.
public struct S3Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key ID, such as `AKIAIOSFODNN7EXAMPLE`: not a secret, and named in error messages.
    public let accessKeyID: String
    /// The secret access key: handed to libcurl for signing and to nothing else.
    let secretAccessKey: String

    /// Creates credentials from an access key ID and its secret.
    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public var description: String { "S3Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>)" }

    public var debugDescription: String { description }

    /// What `dump` and the debugger show: the secret redacted.
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyID": accessKeyID, "secretAccessKey": "<redacted>"])
    }
}
