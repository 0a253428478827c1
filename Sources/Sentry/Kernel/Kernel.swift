import Glibc
import Platform
import SystemPackage

/// The Sentry kernel: the task table, the VFS, the syscall table and the event loop.
public final class Kernel {
    public let platform: Platform
    public let vfs: VFS
    public var syscalls = SyscallTable()
    public var tasks: [HostTID: Task] = [:]
    public let strace: Bool
    init(platform: Platform, vfs: VFS, strace: Bool) {
        self.platform = platform; self.vfs = vfs; self.strace = strace
    }
}
