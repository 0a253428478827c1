import Glibc
import LinuxABI
import SystemPackage

/// Sockets, as Linux answers a program in a sandbox with no network: sockets can be made, but
/// nothing listens. AF_UNIX servers inside the sandbox come with the Net module.
enum SysSocket {
    /// socket(2).
    static func socket(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let domain = a.int(0), rawType = a.int(1)
        let type = rawType & ~(Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC)
        guard [Socket.AF_UNIX, Socket.AF_INET, Socket.AF_INET6].contains(domain) else { return .error(.addressFamilyNotSupported) }
        guard [Socket.SOCK_STREAM, Socket.SOCK_DGRAM, Socket.SOCK_SEQPACKET].contains(type) else {
            return .error(type == Socket.SOCK_RAW && domain != Socket.AF_UNIX ? .notPermitted : .invalidArgument)
        }
        // Protocol 0 picks the default; the only other accepted values are the defaults' own numbers.
        let protocolNumber = a.int(2)
        if protocolNumber != 0 {
            let ok = domain == Socket.AF_UNIX ? protocolNumber == Socket.AF_UNIX
                : (type == Socket.SOCK_STREAM ? protocolNumber == 6 : type == Socket.SOCK_DGRAM ? protocolNumber == 17 : protocolNumber == 132)
            if !ok { return .error(.protocolNotSupported) }
        }
        let file = SocketFile(domain: domain, type: type, nonBlocking: rawType & Socket.SOCK_NONBLOCK != 0)
        do {
            let fd = try t.fdTable.allocate(file, closeOnExec: rawType & Socket.SOCK_CLOEXEC != 0, limit: t.group.rlimits.openFiles)
            return .ok(Int(fd))
        } catch { return .error(error) }
    }

    /// connect(2): nothing is listening in this sandbox.
    static func connect(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do {
            guard let sock = try t.fdTable.get(a.int(0)) as? SocketFile else { return .error(.notSocket) }
            let length = a.size(2)
            guard length >= 2 && length <= 128 else { return .error(.invalidArgument) }
            let addr = try t.copyInBytes(a[1], count: length)
            let family = Int32(UInt16(addr[0]) | UInt16(addr[1]) << 8)
            if family != sock.domain { return .error(sock.domain == Socket.AF_UNIX ? .invalidArgument : .addressFamilyNotSupported) }
            if sock.domain == Socket.AF_UNIX {
                let path = Array(addr[2...].prefix { $0 != 0 })
                if length > 2 && addr[2] == 0 { return .error(.connectionRefused) }  // abstract name
                if path.isEmpty { return .error(.invalidArgument) }
                _ = try t.kernel.vfs.lookup(t.fs, at: nil, path, followFinal: true, creds: t.creds)
                return .error(.connectionRefused)
            }
            return .error(.networkUnreachable)
        } catch { return .error(error) }
    }
}

/// A socket that was never connected.
final class SocketFile: FileDescription {
    let domain: Int32
    let type: Int32
    init(domain: Int32, type: Int32, nonBlocking: Bool) {
        self.domain = domain; self.type = type
        super.init(accessMode: O_RDWR, statusFlags: nonBlocking ? O_NONBLOCK : 0)
    }
    override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        throw type == Socket.SOCK_DGRAM ? .resourceTemporarilyUnavailable : .socketNotConnected
    }
    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        throw type == Socket.SOCK_DGRAM ? .addressRequired : .socketNotConnected
    }
    override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .illegalSeek }
    override func stat() throws(Errno) -> FileStat {
        var s = FileStat()
        s.mode = FileMode.S_IFSOCK | 0o777
        s.blksize = 4096
        return s
    }
    override func readiness(_ mask: EventMask) -> EventMask { (PollEvents.output | PollEvents.hangUp) & mask }
}
