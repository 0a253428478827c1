// ptrace inside the sandbox on the fake platform: links, stops reported to the tracer's wait,
// memory requests, resumption with a signal, and the access errors (Kernel/PtraceState.swift,
// Syscalls/SysPtrace.swift).

import Glibc
import LinuxABI
import Platform
@testable import Sentry
import Testing

@Suite struct PtraceTests {
    static let ptrace = SyscallNumber.ptrace, wait4 = SyscallNumber.wait4

    /// A child of init that called PTRACE_TRACEME and stopped at a SIGSTOP delivery.
    func tracedChild(_ h: KernelHarness) throws -> Task {
        let child = try #require(h.fork(child: 900, pid: 2))
        #expect(h.value(Self.ptrace, 0, 0, 0, 0, on: child) == 0, "TRACEME")
        #expect(h.value(Self.ptrace, 0, 0, 0, 0, on: child) == -Int64(EPERM), "TRACEME twice")
        let resumed = h.platform.resumes.count
        h.platform.queue(.signalled(900, signal: SIGSTOP))
        h.kernel.serveReady()
        #expect(h.platform.resumes.count == resumed, "the tracee stays stopped for its tracer")
        return child
    }

    @Test("a tracee's signal-delivery stop is what its tracer's wait4 reports, once")
    func stopReported() throws {
        let h = try KernelHarness()
        let child = try tracedChild(h)
        let status = h.buffer(4)
        #expect(h.value(Self.wait4, UInt64(child.tid), status, 0, 0) == Int64(child.tid))
        #expect(h.int32s(status, 1)[0] == (SIGSTOP << 8) | 0x7f)
        #expect(h.kernel.tracerPID(child) == 1)
        // Reported: the next wait asks the host about the caller's own children, with WNOHANG.
        _ = h.call(Self.wait4, UInt64(child.tid), status, 0, 0)
        let asked = try #require(h.platform.injections.last)
        #expect(asked.nr == Self.wait4 && asked.args[2] & 1 == 1)
    }

    @Test("PEEKDATA and POKEDATA reach the tracee's memory; an unmapped address is EIO")
    func peekPoke() throws {
        let h = try KernelHarness()
        let child = try tracedChild(h)
        let word = h.buffer(8)
        try withUnsafeBytes(of: UInt64(0x1122_3344_5566_7788).littleEndian) { try h.platform.writeMemory(child.hostTID, at: word, from: $0) }
        let out = h.buffer(8)
        #expect(h.value(Self.ptrace, 2, UInt64(child.tid), word, out) == 0)
        #expect(h.read(out, 8) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        #expect(h.value(Self.ptrace, 5, UInt64(child.tid), word, 0x8000_0000_0000_0042) == 0, "a word with the top bit set")
        #expect(h.read(word, 8, in: child) == [0x42, 0, 0, 0, 0, 0, 0, 0x80])
        #expect(h.value(Self.ptrace, 2, UInt64(child.tid), 8, out) == -Int64(EIO))
    }

    @Test("CONT delivers the tracer's signal at a signal-delivery stop, and 0 suppresses it")
    func contWithSignal() throws {
        let h = try KernelHarness()
        let child = try tracedChild(h)
        #expect(h.value(Self.ptrace, 7, UInt64(child.tid), 0, 100) == -Int64(EIO), "an invalid signal")
        #expect(h.value(Self.ptrace, 7, UInt64(child.tid), 0, UInt64(SIGUSR1)) == 0)
        #expect(h.platform.resumes.last?.tid == child.hostTID && h.platform.resumes.last?.signal == SIGUSR1)
        #expect(h.value(Self.ptrace, 7, UInt64(child.tid), 0, 0) == -Int64(ESRCH), "running: not stopped for the tracer")
        h.platform.queue(.signalled(child.hostTID, signal: SIGTERM))
        h.kernel.serveReady()
        #expect(h.value(Self.ptrace, 7, UInt64(child.tid), 0, 0) == 0)
        #expect(h.platform.resumes.last?.signal == 0)
    }

    @Test("access: own process EPERM, a task not traced by the caller ESRCH, no such pid ESRCH")
    func access() throws {
        let h = try KernelHarness()
        let child = try #require(h.fork(child: 901, pid: 2))
        #expect(h.value(Self.ptrace, 16, 1, 0, 0) == -Int64(EPERM), "ATTACH to itself")
        #expect(h.value(Self.ptrace, 2, UInt64(child.tid), 0, 0) == -Int64(ESRCH))
        #expect(h.value(Self.ptrace, 16, 77, 0, 0) == -Int64(ESRCH))
        #expect(h.value(Self.ptrace, 0x4206, UInt64(child.tid), 1, 0) == -Int64(EIO), "SEIZE with an address")
        #expect(h.value(Self.ptrace, 0x4206, UInt64(child.tid), 0, 0) == 0)
        #expect(h.value(Self.ptrace, 0x4206, UInt64(child.tid), 0, 0) == -Int64(EPERM), "traced already")
    }

    @Test("a non-tracer's WNOHANG wait runs natively")
    func nativeWait() throws {
        let h = try KernelHarness()
        #expect(h.call(Self.wait4, UInt64(int: -1), 0, 1, 0) == .runNative)
    }

    @Test("GET_SYSCALL_INFO: none at a signal stop (24 bytes), entry with the number and arguments at a TRACESYSGOOD syscall stop; GETEVENTMSG says entry")
    func syscallInfo() throws {
        let h = try KernelHarness()
        let child = try tracedChild(h)
        let info = h.buffer(88)
        #expect(h.value(Self.ptrace, 0x420e, UInt64(child.tid), 88, info) == 24)
        #expect(h.read(info, 1) == [0])
        #expect(h.int32s(info + 4, 1)[0] == Int32(bitPattern: 0xc000_003e))
        #expect(h.value(Self.ptrace, 0x4200, UInt64(child.tid), 0, 1) == 0, "TRACESYSGOOD")
        #expect(h.value(Self.ptrace, 24, UInt64(child.tid), 0, 0) == 0, "PTRACE_SYSCALL")
        h.platform.queue(.syscallStop(child.hostTID, exit: false))
        h.kernel.serveReady()
        #expect(h.value(Self.ptrace, 0x420e, UInt64(child.tid), 88, info) == 80)
        #expect(h.read(info, 1) == [1])
        let msg = h.buffer(8)
        #expect(h.value(Self.ptrace, 0x4201, UInt64(child.tid), 0, msg) == 0)
        #expect(h.read(msg, 8) == [1, 0, 0, 0, 0, 0, 0, 0])
        #expect(h.value(Self.ptrace, 0x420e, UInt64(child.tid), 8, info) == 80, "the full size, whatever was asked")
    }

    @Test("PEEKSIGINFO copies the pending siginfos and checks its arguments; GET/SETSIGMASK want a size of 8")
    func peekSigInfoAndMask() throws {
        let h = try KernelHarness()
        let child = try tracedChild(h)
        var entry = [UInt8](repeating: 0, count: 128)
        entry[0] = UInt8(SIGUSR1); entry[8] = 0xfa; entry[9] = 0xff; entry[10] = 0xff; entry[11] = 0xff   // SI_TKILL
        h.platform.pendingSiginfos[child.hostTID] = [entry, entry]
        let args = h.bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0])
        let out = h.buffer(128 * 8)
        #expect(h.value(Self.ptrace, 0x4209, UInt64(child.tid), args, out) == 2)
        #expect(h.read(out + 128, 1) == [UInt8(SIGUSR1)])
        let bad = h.bytes([0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 8, 0, 0, 0])
        #expect(h.value(Self.ptrace, 0x4209, UInt64(child.tid), bad, out) == -Int64(EINVAL), "unknown flags")
        #expect(h.value(Self.ptrace, 0x420a, UInt64(child.tid), 4, out) == -Int64(EINVAL))
        #expect(h.value(Self.ptrace, 0x420a, UInt64(child.tid), 8, out) == 0)
        #expect(h.platform.traceeRequests.last?.request == .getSigMask)
    }
}
