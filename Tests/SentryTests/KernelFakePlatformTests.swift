// The Kernel's handlers served in-process over the FakePlatform: fds, pipes, tmpfs calls,
// identity, signal bookkeeping, parking and waking, and how a signal ends a parked call on a
// platform with or without the restart and mask capabilities.

import Glibc
import LinuxABI
import Platform
@testable import Sentry
import SystemPackage
import Testing

private let fdcwd = UInt64(int: AtFlags.AT_FDCWD)
private func le(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
private func u64(_ b: [UInt8], at offset: Int) -> UInt64 {
    b[offset..<(offset + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
}
private func u32(_ b: [UInt8], at offset: Int) -> UInt32 { UInt32(truncatingIfNeeded: u64(b + [0, 0, 0, 0], at: offset)) }
private func err(_ e: Errno) -> Int64 { e.syscallResult }

extension KernelHarness {
    /// A pipe of `task`: (read end, write end).
    func pipe(on task: Task? = nil) -> (r: UInt64, w: UInt64)? {
        let fds = buffer(8)
        guard value(SyscallNumber.pipe2, fds, 0, on: task) == 0 else { return nil }
        let pair = int32s(fds, 2, in: task)
        return (UInt64(pair[0]), UInt64(pair[1]))
    }

    /// A struct kernel_sigaction in `task`'s memory.
    func sigaction(handler: UInt64, flags: UInt64, mask: UInt64 = 0, in task: Task? = nil) -> UInt64 {
        bytes(le(handler) + le(flags | SigactionFlags.SA_RESTORER) + le(0x40_2000) + le(mask), in: task)
    }

    /// `task` installs a handler for `sig` (rt_sigaction runs natively once recorded).
    func handle(_ sig: Int32, flags: UInt64, on task: Task) -> SyscallCompletion? {
        call(SyscallNumber.rt_sigaction, UInt64(sig), sigaction(handler: 0x40_1000, flags: flags, in: task), 0, 8, on: task)
    }
}

@Suite("Kernel handlers on the fake Platform", .serialized)
struct KernelFakePlatformTests {
    @Test("pipe2, write and read: the bytes go round through the task's memory")
    func pipeRoundTrip() throws {
        let h = try KernelHarness()
        let p = try #require(h.pipe())
        #expect(p.r == 0 && p.w == 1)   // the fake first task starts with no fds
        #expect(h.value(SyscallNumber.write, p.w, h.bytes(Array("hello".utf8)), 5) == 5)
        let buf = h.buffer(16)
        #expect(h.value(SyscallNumber.read, p.r, buf, 16) == 5)
        #expect(h.read(buf, 5) == Array("hello".utf8))
        #expect(h.value(SyscallNumber.write, p.r, buf, 1) == err(.badFileDescriptor))   // the read end
        #expect(h.value(SyscallNumber.pipe2, h.buffer(8), 0x1) == err(.invalidArgument))
        // A buffer outside the task's memory: EFAULT, and the pipe keeps its bytes.
        #expect(h.value(SyscallNumber.write, p.w, h.bytes([1, 2]), 2) == 2)
        #expect(h.value(SyscallNumber.read, p.r, 0x10, 2) == err(.badAddress))
        #expect(h.value(SyscallNumber.read, p.r, buf, 16) == 2)
    }

    @Test("dup, dup3, close and fcntl act on the task's fd table")
    func fdTable() throws {
        let h = try KernelHarness()
        let p = try #require(h.pipe())
        #expect(h.value(SyscallNumber.dup, p.r) == 2)
        #expect(h.value(SyscallNumber.close, 2) == 0)
        #expect(h.value(SyscallNumber.close, 2) == err(.badFileDescriptor))
        #expect(h.value(SyscallNumber.dup3, p.r, 10, UInt64(OpenFlags.O_CLOEXEC)) == 10)
        #expect(h.initTask.fdTable[10]?.closeOnExec == true)
        #expect(h.initTask.fdTable[10]?.file === h.initTask.fdTable[0]?.file)
        #expect(h.value(SyscallNumber.fcntl, 10, UInt64(Fcntl.F_GETFD)) == 1)
        #expect(h.value(SyscallNumber.fcntl, 10, UInt64(Fcntl.F_SETFD), 0) == 0)
        #expect(h.value(SyscallNumber.fcntl, 10, UInt64(Fcntl.F_GETFD)) == 0)
        #expect(h.value(SyscallNumber.fcntl, p.r, UInt64(Fcntl.F_DUPFD_CLOEXEC), 20) == 20)
        #expect(h.initTask.fdTable[20]?.closeOnExec == true)
        #expect(h.value(SyscallNumber.fcntl, p.w, UInt64(Fcntl.F_GETFL)) == Int64(OpenFlags.O_WRONLY))
        #expect(h.value(SyscallNumber.dup3, p.r, p.r, 0) == err(.invalidArgument))
        #expect(h.value(SyscallNumber.dup2, p.r, p.r) == Int64(p.r))
        #expect(h.value(SyscallNumber.fcntl, 99, UInt64(Fcntl.F_GETFD)) == err(.badFileDescriptor))
    }

    @Test("mkdirat, openat, newfstatat and unlinkat on the tmpfs")
    func tmpfsCalls() throws {
        let h = try KernelHarness()
        let dir = h.string("/tmp/d"), file = h.string("/tmp/d/f")
        #expect(h.value(SyscallNumber.mkdirat, fdcwd, dir, 0o755) == 0)
        #expect(h.value(SyscallNumber.mkdirat, fdcwd, dir, 0o755) == err(.fileExists))
        let wfd = try #require(h.value(SyscallNumber.openat, fdcwd, file, UInt64(OpenFlags.O_CREAT | OpenFlags.O_WRONLY), 0o666))
        #expect(wfd >= 0)
        #expect(h.value(SyscallNumber.write, UInt64(wfd), h.bytes(Array("data".utf8)), 4) == 4)
        #expect(h.value(SyscallNumber.close, UInt64(wfd)) == 0)
        let st = h.buffer(144)
        #expect(h.value(SyscallNumber.newfstatat, fdcwd, file, st, 0) == 0)
        let stat = h.read(st, 144)
        #expect(u32(stat, at: 24) == FileMode.S_IFREG | 0o644)   // umask 022
        #expect(u64(stat, at: 48) == 4)
        let rfd = try #require(h.value(SyscallNumber.openat, fdcwd, file, UInt64(OpenFlags.O_RDONLY), 0))
        let buf = h.buffer(8)
        #expect(h.value(SyscallNumber.read, UInt64(rfd), buf, 8) == 4)
        #expect(h.read(buf, 4) == Array("data".utf8))
        let removeDir = UInt64(AtFlags.AT_REMOVEDIR)
        #expect(h.value(SyscallNumber.unlinkat, fdcwd, dir, removeDir) == err(.directoryNotEmpty))
        #expect(h.value(SyscallNumber.unlinkat, fdcwd, file, 0) == 0)
        #expect(h.value(SyscallNumber.openat, fdcwd, file, UInt64(OpenFlags.O_RDONLY), 0) == err(.noSuchFileOrDirectory))
        #expect(h.value(SyscallNumber.unlinkat, fdcwd, dir, 0) == err(.isDirectory))
        #expect(h.value(SyscallNumber.unlinkat, fdcwd, dir, removeDir) == 0)
        // The open description outlives its name.
        #expect(h.value(SyscallNumber.fstat, UInt64(rfd), st) == 0)
    }

    @Test("uname, getuid and an unserved number")
    func identity() throws {
        let h = try KernelHarness()
        let u = h.buffer(6 * 65)
        #expect(h.value(SyscallNumber.uname, u) == 0)
        let b = h.read(u, 6 * 65)
        #expect(Array(b[0..<5]) == Array("Linux".utf8) && b[5] == 0)
        #expect(Array(b[65..<69]) == Array("husk".utf8) && b[69] == 0)
        h.kernel.uts.hostname = Array("box".utf8)
        #expect(h.value(SyscallNumber.uname, u) == 0)
        #expect(Array(h.read(u + 65, 4)) == Array("box".utf8) + [0])
        #expect(h.value(SyscallNumber.uname, 0x10) == err(.badAddress))
        #expect(h.value(SyscallNumber.getuid) == 0)
        #expect(h.value(335) == err(.noFunction))
        #expect(h.kernel.unimplemented[335] == 1)
    }

    @Test("rt_sigaction records the disposition and lets the host install it")
    func sigactionBookkeeping() throws {
        let h = try KernelHarness()
        let act = h.sigaction(handler: 0x40_1234, flags: SigactionFlags.SA_RESTART, mask: 1 << (UInt64(Signal.SIGUSR2) - 1))
        #expect(h.call(SyscallNumber.rt_sigaction, UInt64(Signal.SIGUSR1), act, 0, 8) == .runNative)
        let rec = h.initTask.group.signalActions[Int(Signal.SIGUSR1)]
        #expect(rec.handler == 0x40_1234)
        #expect(rec.flags & SigactionFlags.SA_RESTART != 0)
        #expect(rec.mask == 1 << (UInt64(Signal.SIGUSR2) - 1))
        #expect(h.value(SyscallNumber.rt_sigaction, UInt64(Signal.SIGKILL), act, 0, 8) == err(.invalidArgument))
        #expect(h.value(SyscallNumber.rt_sigaction, UInt64(Signal.SIGUSR1), act, 0, 4) == err(.invalidArgument))
        #expect(h.value(SyscallNumber.rt_sigaction, UInt64(Signal.SIGUSR1), 0x10, 0, 8) == err(.badAddress))
        // A fork child inherits the dispositions.
        let child = try #require(h.fork(child: fakeInitTID + 1, pid: 2))
        #expect(child.group.signalActions[Int(Signal.SIGUSR1)].handler == 0x40_1234)
        #expect(h.platform.resumes.map(\.tid) == [fakeInitTID, child.hostTID])   // clone event, first stop
    }

    @Test("a read on an empty pipe parks; a write by another process wakes it with the bytes")
    func parkedReadWakes() throws {
        let h = try KernelHarness()
        let p = try #require(h.pipe())
        let child = try #require(h.fork(child: fakeInitTID + 1, pid: 2))
        let buf = h.buffer(16)
        #expect(h.call(SyscallNumber.read, p.r, buf, 16, on: child) == nil)
        #expect(h.platform.isAtSyscall(child.hostTID))
        let before = h.platform.completionCount
        #expect(h.value(SyscallNumber.write, p.w, h.bytes(Array("wake".utf8)), 4) == 4)
        #expect(h.platform.completions(of: child.hostTID, from: before) == [.skip(4)])
        #expect(h.read(buf, 4, in: child) == Array("wake".utf8))
        // The parent's memory is its own: the child's read did not write there.
        #expect(h.read(buf, 4) == [0, 0, 0, 0])
    }

    /// A child parked in read on an empty pipe with a SIGUSR1 handler of `flags`, and what
    /// its call ends with once the parent kills it.
    func killParkedRead(flags: UInt64, capabilities: PlatformCapabilities = [.restartSyscall, .suspendUnderMask]) throws -> (KernelHarness, Task, [SyscallCompletion]) {
        let h = try KernelHarness()
        h.platform.capabilities = capabilities
        let p = try #require(h.pipe())
        let child = try #require(h.fork(child: fakeInitTID + 1, pid: 2))
        #expect(h.handle(Signal.SIGUSR1, flags: flags, on: child) == .runNative)
        #expect(child.group.signalActions[Int(Signal.SIGUSR1)].flags & ~SigactionFlags.SA_RESTORER == flags)
        #expect(h.initTask.group.signalActions[Int(Signal.SIGUSR1)].handler == 0)   // the child's own
        #expect(h.call(SyscallNumber.read, p.r, h.buffer(8), 8, on: child) == nil)
        let before = h.platform.completionCount
        #expect(h.value(SyscallNumber.kill, 2, UInt64(Signal.SIGUSR1)) == 0)
        #expect(h.platform.signals.last.map { [$0.tgid, $0.tid, $0.signal] } == [child.hostTID, child.hostTID, Signal.SIGUSR1])
        return (h, child, h.platform.completions(of: child.hostTID, from: before))
    }

    @Test("kill of a parked read: EINTR when the handler has no SA_RESTART")
    func killInterruptsRead() throws {
        let (_, _, ends) = try killParkedRead(flags: 0)
        #expect(ends == [.skip(err(.interrupted))])
    }

    @Test("kill of a parked read under SA_RESTART: the Sentry asks for a restart")
    func killRestartsRead() throws {
        let (h, child, ends) = try killParkedRead(flags: SigactionFlags.SA_RESTART)
        #expect(ends == [.restart])
        #expect(!h.platform.isAtSyscall(child.hostTID))
    }

    @Test("a platform that cannot restart a call gets EINTR instead")
    func noRestartCapability() throws {
        let (_, _, ends) = try killParkedRead(flags: SigactionFlags.SA_RESTART, capabilities: [.suspendUnderMask])
        #expect(ends == [.skip(err(.interrupted))])
    }

    @Test("an ignored signal leaves the parked call parked")
    func ignoredSignalKeepsWaiting() throws {
        let h = try KernelHarness()
        let p = try #require(h.pipe())
        let child = try #require(h.fork(child: fakeInitTID + 1, pid: 2))
        #expect(h.call(SyscallNumber.read, p.r, h.buffer(8), 8, on: child) == nil)
        #expect(h.value(SyscallNumber.kill, 2, UInt64(Signal.SIGURG)) == 0)   // default: ignore
        #expect(h.platform.isAtSyscall(child.hostTID))
        #expect(h.value(SyscallNumber.write, p.w, h.bytes([7]), 1) == 1)
        #expect(h.platform.completions(of: child.hostTID) == [.skip(1)])
    }

    /// A child parked in ppoll on an empty pipe with sigmask `mask`, then killed with SIGUSR1
    /// (which has a handler): what its call ends with.
    func killParkedPpoll(mask: UInt64, capabilities: PlatformCapabilities = [.restartSyscall, .suspendUnderMask]) throws -> (KernelHarness, Task, [SyscallCompletion]) {
        let h = try KernelHarness()
        h.platform.capabilities = capabilities
        let p = try #require(h.pipe())
        let child = try #require(h.fork(child: fakeInitTID + 1, pid: 2))
        #expect(h.handle(Signal.SIGUSR1, flags: SigactionFlags.SA_RESTART, on: child) == .runNative)
        let pollfd = h.bytes([UInt8(p.r), 0, 0, 0, 1 /* POLLIN */, 0, 0, 0], in: child)
        let sigmask = h.bytes(le(mask), in: child)
        #expect(h.call(SyscallNumber.ppoll, pollfd, 1, 0, sigmask, 8, on: child) == nil)
        let before = h.platform.completionCount
        #expect(h.value(SyscallNumber.kill, 2, UInt64(Signal.SIGUSR1)) == 0)
        return (h, child, h.platform.completions(of: child.hostTID, from: before))
    }

    @Test("ppoll's mask: a signal it blocks stays pending, one it lets through is delivered under it")
    func ppollMask() throws {
        let blocked = try killParkedPpoll(mask: 1 << (UInt64(Signal.SIGUSR1) - 1))
        #expect(blocked.2.isEmpty)
        #expect(blocked.0.platform.isAtSyscall(blocked.1.hostTID))
        let open = try killParkedPpoll(mask: 1 << (UInt64(Signal.SIGUSR2) - 1))
        #expect(open.2 == [.suspendUnderMask(1 << (UInt64(Signal.SIGUSR2) - 1))])
        // Never restarted, even under SA_RESTART; without the capability plain EINTR.
        let plain = try killParkedPpoll(mask: 0, capabilities: [.restartSyscall])
        #expect(plain.2 == [.skip(err(.interrupted))])
    }

    @Test("the fake platform's memory: EFAULT outside the task's buffer, including a range running past its end")
    func fakeMemoryBounds() throws {
        let h = try KernelHarness()
        let end = FakePlatform.memoryBase + UInt64(FakePlatform.memorySize)
        #expect(throws: Errno.badAddress) { _ = try h.initTask.copyInBytes(end - 4, count: 8) }
        #expect(throws: Errno.badAddress) { _ = try h.initTask.copyInBytes(FakePlatform.memoryBase - 1, count: 1) }
        #expect(try h.initTask.copyInBytes(end - 4, count: 4) == [0, 0, 0, 0])
        #expect(throws: Errno.notSupported) {
            h.platform.capabilities = []
            h.platform.queueSyscall(fakeInitTID, SyscallNumber.getuid, [])
            try h.platform.complete(fakeInitTID, .restart)
        }
    }
}
