import Testing

@testable import ArchiverCore

@Suite struct FileSystemKindTests {
    @Test func knownMagicNumbersAreRecognised() {
        #expect(FileSystemKind(magic: 0x6969) == .nfs)
        #expect(FileSystemKind(magic: 0xFF53_4D42) == .smb)
        #expect(FileSystemKind(magic: 0xFE53_4D42) == .smb)
        #expect(FileSystemKind(magic: 0x517B) == .smb)
        #expect(FileSystemKind(magic: 0x6573_5546) == .fuse)
        #expect(FileSystemKind(magic: 0xEF53) == .local)  // ext4
        #expect(FileSystemKind(magic: 0x0102_1994) == .local)  // tmpfs
    }

    @Test func onlyLocalFileSystemsAreTrustedWithSyncfs() {
        #expect(FileSystemKind.local.flushesWithSyncfs)
        for kind in [FileSystemKind.nfs, .smb, .fuse] {
            #expect(!kind.flushesWithSyncfs)
            #expect(kind.isShared)
        }
    }

    @Test func theTemporaryFolderIsLocalAndAMissingPathIsNil() {
        #expect(FileSystemKind(ofFileSystemHolding: "/tmp") == .local)
        #expect(FileSystemKind(ofFileSystemHolding: "/nonexistent-\(UInt64.random(in: 0...UInt64.max))") == nil)
    }
}
