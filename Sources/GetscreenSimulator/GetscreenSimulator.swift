internal import NIOCore
internal import NIOPosix
internal import NIOHTTP1

