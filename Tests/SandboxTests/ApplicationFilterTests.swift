// The application filter's argument checks, each tested on the table and on the compiled BPF
// program (run in a forked child without a tracer: a traced call then fails with ENOSYS, an
// allowed one runs, a refused one fails with EPERM).
import CHusk
import Sentry
import Glibc
import Platform
import Testing
@testable import Sandbox

func appProbe(_ nr: Int, _ a0: Int = 0, _ a1: Int = 0, _ a2: Int = 0) throws -> Int {
    let program = try SyscallTable.applicationFilter.compile()
    return program.withUnsafeBytes { p in Int(chusk_confine_probe(p.baseAddress, Int32(p.count / 8), "app", nr, a0, a1, a2)) }
}

@Suite("application filter argument checks")
struct ApplicationFilterTests {
    func args(_ a: UInt64...) -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        var v = a + Array(repeating: 0, count: 6 - a.count)
        v = Array(v.prefix(6))
        return (v[0], v[1], v[2], v[3], v[4], v[5])
    }

    @Test("mmap: anonymous runs natively, a file mapping is served by the Sentry")
    func mmapCheck() throws {
        #expect(SyscallTable.applicationFilter.verdict(nr: 9, args: args(0, 4096, 3, 0x22, UInt64(bitPattern: -1), 0)) == .allow)
        #expect(SyscallTable.applicationFilter.verdict(nr: 9, args: args(0, 4096, 1, 0x02, 3, 0)) == .trace)
    }

    @Test("madvise: advice outside the list is served")
    func madviseCheck() {
        #expect(SyscallTable.applicationFilter.verdict(nr: 28, args: args(0, 4096, 4 /* DONTNEED */)) == .allow)
        #expect(SyscallTable.applicationFilter.verdict(nr: 28, args: args(0, 4096, 100 /* HWPOISON */)) == .trace)
        #expect(SyscallTable.applicationFilter.verdict(nr: 28, args: args(0, 4096, 9 /* REMOVE */)) == .trace)
    }

    @Test("arch_prctl: FS/GS, CPUID faulting and AMX permission run natively; vDSO mapping stops")
    func archPrctlCheck() throws {
        #expect(SyscallTable.applicationFilter.verdict(nr: 158, args: args(0x1002 /* SET_FS */)) == .allow)
        #expect(SyscallTable.applicationFilter.verdict(nr: 158, args: args(0x1012 /* SET_CPUID */)) == .allow)
        #expect(SyscallTable.applicationFilter.verdict(nr: 158, args: args(0x2001 /* MAP_VDSO_X32 */)) == .trace)
        var fs: UInt64 = 0
        let ok = try withUnsafeMutablePointer(to: &fs) { try appProbe(158, 0x1003 /* GET_FS */, Int(bitPattern: $0)) }
        #expect(ok >= 0, "ARCH_GET_FS runs natively")
        #expect(try appProbe(158, 0x2003 /* MAP_VDSO_64 */, 0) == -Int(ENOSYS), "ARCH_MAP_VDSO_64 stops for the tracer (ENOSYS without one)")
    }

    @Test("clone: CLONE_NEW* but CLONE_NEWIPC are refused by the filter itself; CLONE_UNTRACED and CLONE_NEWIPC stop at the Sentry")
    func cloneCheck() throws {
        #expect(SyscallTable.applicationFilter.verdict(nr: 56, args: args(0x0080_0000 | 17)) == .trace)
        #expect(SyscallTable.applicationFilter.verdict(nr: 56, args: args(0x0800_0000 | 17)) == .trace)
        for flag: UInt64 in [0x0002_0000, 0x0200_0000, 0x0400_0000, 0x1000_0000, 0x2000_0000, 0x4000_0000] {
            #expect(SyscallTable.applicationFilter.verdict(nr: 56, args: args(flag | 17)) == .errno(EPERM), "flag \(flag)")
            #expect(try appProbe(56, Int(flag | 17)) == -Int(EPERM), "clone flag \(String(flag, radix: 16)) refused on the host")
        }
        // CLONE_NEWIPC stops for the Sentry, which serves the namespace and takes the flag out;
        // with another namespace flag it is refused all the same.
        #expect(SyscallTable.applicationFilter.verdict(nr: 56, args: args(0x0800_0000 | 17)) == .trace)
        #expect(SyscallTable.applicationFilter.verdict(nr: 56, args: args(0x0800_0000 | 0x2000_0000 | 17)) == .errno(EPERM))
        #expect(SyscallTable.applicationFilter.verdict(nr: 56, args: args(17 /* SIGCHLD */)) == .trace)
    }

    @Test("the compiled program: anonymous mmap runs, file mmap and unknown calls stop for the tracer")
    func compiled() throws {
        // mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) needs 6 arguments: use
        // the ones the probe passes (a3..a5 = 0): flags 0 has no MAP_ANONYMOUS, so it is traced.
        #expect(try appProbe(9, 0, 4096, 1) == -Int(ENOSYS), "mmap without MAP_ANONYMOUS is served")
        #expect(try appProbe(39) > 0, "getpid runs natively")
        #expect(try appProbe(2, 0, 0, 0) == -Int(ENOSYS), "open is served")
        #expect(try appProbe(28, 0, 0, 100) == -Int(ENOSYS), "madvise(HWPOISON) is served")
        #expect(try appProbe(28, 0, 0, 4) >= 0, "madvise(DONTNEED) of nothing runs natively")
    }
}
