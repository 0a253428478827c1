// The compiled application filter, run by a small classic-BPF interpreter over the seccomp_data
// of many calls, must give the verdict of the table it was built from. libseccomp 2.5.4 once
// compiled a 64-bit "less than" wrongly (munmap(0, 512 MiB) ran natively over the stub): this
// is where such a miscompilation shows.

import Glibc
@testable import Sentry
import Platform
import Testing

/// The compiled filter, checked and run by the Sentry's own classic-BPF interpreter (the one
/// that runs the program's seccomp filters): a program the kernel's checks would refuse fails
/// here too.
struct SeccompBPF {
    let filter: SeccompFilter

    init(_ bytes: [UInt8]) throws { filter = try SeccompFilter(bytes: bytes) }

    /// The filter's return value for one call (x86_64).
    func run(nr: Int, args: [UInt64], ip: UInt64 = 0) throws -> UInt32 {
        filter.run(SeccompData(nr: Int32(truncatingIfNeeded: nr), instructionPointer: ip, args: args))
    }

    func verdict(nr: Int, args: [UInt64], ip: UInt64 = 0) throws -> FilterVerdict? {
        let r = try run(nr: nr, args: args, ip: ip)
        switch r & 0xffff_0000 {
        case 0x7fff_0000: return .allow
        case 0x7ff0_0000: return .trace
        case 0x7fc0_0000: return .notify
        case 0x0005_0000: return .errno(Int32(r & 0xffff))
        default: return nil
        }
    }
}

extension PlatformTests { @Suite struct FilterBPFTests {
    /// Addresses and lengths around every boundary the filter draws.
    static let edges: [UInt64] = {
        var v: [UInt64] = [0, 1, 0xfff, 0x1000, 0x200000, 0x400000, UInt64.max, UInt64.max - 0xfff, 1 << 47, 0x7fff_ffff_f000,
                           0x1_0000_0000, 0xffff_ffff, 0x1_0000_0000 + StubELF.guardStart]
        for b in [StubELF.guardStart, StubELF.guardEnd, StubELF.guardStart / 2, StubELF.guardStart + 0x1000, StubELF.guardStart - StubELF.guardStart / 2] {
            v += [b &- 0x1001, b &- 0x1000, b &- 1, b, b + 1, b + 0x1000]
        }
        return v
    }()

    static func args(_ a0: UInt64, _ a1: UInt64, _ a2: UInt64 = 0, _ a3: UInt64 = 0, _ a4: UInt64 = 0) -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        (a0, a1, a2, a3, a4, 0)
    }

    @Test("the unotify filter notifies the marked calls, but not from the injection gadget")
    func unotifyProgram() throws {
        let filter = SyscallTable.applicationFilter
        let bpf = try SeccompBPF(filter.compile(userNotify: true))
        let gadget = StubELF.gadgetAddress + 2
        let ips: [UInt64] = [0x40_1000, gadget, gadget - 2, gadget + (1 << 32), gadget & 0xffff_ffff_0000_0000 | 0x1234]
        for nr in SyscallTable.entries.map(\.number) {
            let a: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (3, 0x7f00_0000_0000, 0x1000, 0, 0, 0)
            let list = [a.0, a.1, a.2, a.3, a.4, a.5]
            for ip in ips {
                let expected = filter.verdict(nr: nr, args: a, userNotify: ip != gadget)
                #expect(try bpf.verdict(nr: nr, args: list, ip: ip) == expected, "syscall \(nr) at ip \(String(ip, radix: 16))")
            }
        }
        #expect(!filter.notify.isEmpty)
        #expect(try bpf.verdict(nr: 4, args: [0, 0], ip: 0x40_1000) == .notify)   // stat
        #expect(try bpf.verdict(nr: 4, args: [0, 0], ip: gadget) == .trace)
    }

    @Test("the compiled filter agrees with the table on every mapping call around the stub")
    func mappingCallsAgree() throws {
        let bpf = try SeccompBPF(SyscallTable.applicationFilter.compile())
        var checked = 0
        func check(_ nr: Int, _ a: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) throws {
            let list = [a.0, a.1, a.2, a.3, a.4, a.5]
            let table = SyscallTable.applicationFilter.verdict(nr: nr, args: a)
            let compiled = try bpf.verdict(nr: nr, args: list)
            #expect(compiled == table, "syscall \(nr) args \(list.map { String($0, radix: 16) }): BPF \(String(describing: compiled)), table \(table)")
            // Whatever runs natively never touches the stub.
            if table == .allow && [9, 10, 11, 28].contains(nr) && !(nr == 9 && a.3 & 0x10 == 0) {
                #expect(!ApplicationFilter.touchesStub(a.0, a.1), "syscall \(nr) at \(String(a.0, radix: 16)) + \(String(a.1, radix: 16)) runs natively over the stub")
            }
            checked += 1
        }
        for addr in Self.edges {
            for len in Self.edges {
                try check(11, Self.args(addr, len))                                   // munmap
                try check(10, Self.args(addr, len, 7))                                // mprotect
                try check(28, Self.args(addr, len, 4))                                // madvise(DONTNEED)
                try check(28, Self.args(addr, len, 10))                               // madvise(DONTFORK)
                try check(28, Self.args(addr, len, 18))                               // madvise(WIPEONFORK): never native
                try check(9, Self.args(addr, len, 3, 0x32, UInt64.max))               // mmap anonymous MAP_FIXED
                try check(9, Self.args(addr, len, 3, 0x22, UInt64.max))               // mmap anonymous
                try check(9, Self.args(addr, len, 3, 0x12, 5))                        // mmap of a file, MAP_FIXED
                try check(25, Self.args(addr, len, len, 1))                           // mremap MAYMOVE
                try check(25, Self.args(0x7f00_0000_0000, 0x1000, len, 3, addr))     // mremap FIXED to addr
            }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let addr = UInt64.random(in: 0..<(1 << 48), using: &rng) >> UInt64.random(in: 0..<48, using: &rng)
            let len = UInt64.random(in: 0..<(1 << 40), using: &rng) >> UInt64.random(in: 0..<40, using: &rng)
            try check([9, 10, 11, 28][Int.random(in: 0..<4, using: &rng)], Self.args(addr, len, 4, 0x32, UInt64.max))
        }
        #expect(checked > 20_000)
        // Stub pages: never native.
        #expect(try bpf.verdict(nr: 11, args: [0, 0x2000_0000]) == .trace)
        #expect(try bpf.verdict(nr: 10, args: [StubELF.guardStart, 0x1000, 7]) == .trace)
        #expect(try bpf.verdict(nr: 11, args: [0x7f00_0000_0000, 0x1000]) == .allow)
    }

    @Test("the compiled filter agrees with the table on the other calls")
    func otherCallsAgree() throws {
        let bpf = try SeccompBPF(SyscallTable.applicationFilter.compile())
        for nr in 0..<470 {
            for a0 in [0, 1, 0x1001, 0x3001, 0x1000_0000 | 17, 0x3d0f00] as [UInt64] {
                let list: [UInt64] = [a0, 0x1000, 4, 0x22, 0, 0]
                let table = SyscallTable.applicationFilter.verdict(nr: nr, args: (a0, 0x1000, 4, 0x22, 0, 0))
                #expect(try bpf.verdict(nr: nr, args: list) == table, "syscall \(nr) a0 \(String(a0, radix: 16))")
            }
        }
    }
}
}
