// The dumpable flag and ptrace's access rule (Kernel/Dumpable.swift), and /proc/PID/mem's
// forced memory access (FS/ProcMem.swift), on the fake platform.

import Glibc
import LinuxABI
import Platform
@testable import Sentry
import Testing

@Suite struct DumpableTests {
    static let prctl = SyscallNumber.prctl, setresuid = SyscallNumber.setresuid
    static let keep = UInt64(UInt32.max)

    @Test("PR_SET_DUMPABLE takes 0 and 1 (2 is EINVAL), fork inherits it, an effective-id change clears it and the parent-death signal")
    func prctlAndCredentials() throws {
        let h = try KernelHarness()
        #expect(h.value(Self.prctl, 3, 0, 0, 0, 0) == 1)
        #expect(h.value(Self.prctl, 4, 2, 0, 0, 0) == -Int64(EINVAL))
        #expect(h.value(Self.prctl, 4, 0, 0, 0, 0) == 0)
        #expect(h.value(Self.prctl, 3, 0, 0, 0, 0) == 0)
        let child = try #require(h.fork(child: 900, pid: 2))
        #expect(h.value(Self.prctl, 3, 0, 0, 0, 0, on: child) == 0, "inherited by fork")
        #expect(h.value(Self.prctl, 4, 1, 0, 0, 0, on: child) == 0)
        #expect(h.value(Self.prctl, 1, UInt64(SIGUSR1), 0, 0, 0, on: child) == 0)
        #expect(h.value(Self.setresuid, 1000, Self.keep, Self.keep, on: child) == 0)
        #expect(h.value(Self.prctl, 3, 0, 0, 0, 0, on: child) == 1, "a real uid change alone keeps it")
        #expect(child.parentDeathSignal == SIGUSR1)
        #expect(h.value(Self.setresuid, Self.keep, 1000, Self.keep, on: child) == 0)
        #expect(h.value(Self.prctl, 3, 0, 0, 0, 0, on: child) == 0, "commit_creds: euid changed")
        #expect(child.parentDeathSignal == 0)
    }

    @Test("ptrace access: same ids and dumpable, or CAP_SYS_PTRACE; filesystem ids for /proc")
    func access() throws {
        let h = try KernelHarness()
        let a = try #require(h.fork(child: 900, pid: 2)), b = try #require(h.fork(child: 901, pid: 3))
        a.creds = Credentials(uid: 1000, gid: 1000)
        b.creds = Credentials(uid: 1000, gid: 1000)
        b.group.dumpable = Dumpable.user
        #expect(h.kernel.ptraceMayAccess(a, b, .real))
        b.group.dumpable = Dumpable.disabled
        #expect(!h.kernel.ptraceMayAccess(a, b, .real))
        #expect(h.kernel.ptraceMayAccess(b, b, .real), "its own process")
        #expect(h.kernel.ptraceMayAccess(h.initTask, b, .real), "root has CAP_SYS_PTRACE")
        b.group.dumpable = Dumpable.user
        a.creds.fsuid = 0
        #expect(h.kernel.ptraceMayAccess(a, b, .real) && !h.kernel.ptraceMayAccess(a, b, .filesystem))
        let s = h.buffer(8)
        #expect(h.value(SyscallNumber.process_vm_readv, 3, s, 1, s, 1, 0, on: a) != -Int64(EPERM))
        b.group.dumpable = Dumpable.disabled
        let iov = h.buffer(16)
        try withUnsafeBytes(of: (s, UInt64(8))) { try h.platform.writeMemory(a.hostTID, at: iov, from: $0) }
        #expect(h.value(SyscallNumber.process_vm_readv, 3, iov, 1, iov, 1, 0, on: a) == -Int64(EPERM))
    }

    @Test("forced writes: a page the host cannot write goes word by word through POKEDATA; the stub's pages never")
    func forcedMemory() throws {
        let h = try KernelHarness()
        let target = h.buffer(32)
        h.platform.writeProtected = target..<(target + 32)
        let data: [UInt8] = Array(1...13)
        let n = data.withUnsafeBytes { ForcedMemory.write(h.initTask.group, at: target + 3, from: $0) }
        #expect(n == 13)
        #expect(h.read(target, 20) == [0, 0, 0] + data + [0, 0, 0, 0])
        #expect(h.platform.traceeRequests.contains { $0.request == .pokeData })
        var back = [UInt8](repeating: 0, count: 13)
        #expect(back.withUnsafeMutableBytes { ForcedMemory.read(h.initTask.group, at: target + 3, into: $0) } == 13)
        #expect(back == data)
        // A long forced transfer stops after a few pages (a short count).
        let long = h.buffer(4096 * 8)
        h.platform.writeProtected = long..<(long + 4096 * 8)
        let many = [UInt8](repeating: 7, count: 4096 * 6)
        let first = many.withUnsafeBytes { ForcedMemory.write(h.initTask.group, at: long, from: $0) }
        #expect(first > 0 && first <= 4096 * ForcedMemory.maxForcedPages)
        let stub = [UInt8](repeating: 0xcc, count: 16)
        #expect(stub.withUnsafeBytes { ForcedMemory.write(h.initTask.group, at: StubELF.gadgetAddress, from: $0) } == 0)
        #expect(stub.withUnsafeBytes { ForcedMemory.write(h.initTask.group, at: StubELF.guardStart - 4, from: $0) } <= 4)
    }
}
