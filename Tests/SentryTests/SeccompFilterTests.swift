// The program's own seccomp filters as the Sentry checks and runs them: the checks of
// bpf_check_classic and seccomp_check_filter (EINVAL), the classic-BPF interpreter, and how
// stacked filters combine (seccomp_run_filters).
import LinuxABI
import SystemPackage
@testable import Sentry
import Testing

@Suite("seccomp filters of the program")
struct SeccompFilterTests {
    typealias F = SeccompFilter

    static func insn(_ code: UInt16, _ jt: UInt8 = 0, _ jf: UInt8 = 0, _ k: UInt32 = 0) -> [UInt8] {
        var b: [UInt8] = [UInt8(code & 0xff), UInt8(code >> 8), jt, jf]
        withUnsafeBytes(of: k.littleEndian) { b += $0 }
        return b
    }
    static func ld(_ offset: UInt32) -> [UInt8] { insn(F.LD | F.W | F.ABS, 0, 0, offset) }
    static func ret(_ k: UInt32) -> [UInt8] { insn(F.RET | F.K, 0, 0, k) }

    /// nr == `nr` ? `action` : ALLOW.
    static func onCall(_ nr: Int, _ action: UInt32) throws -> F {
        try F(bytes: ld(0) + insn(F.JMP | F.JEQ | F.K, 0, 1, UInt32(nr)) + ret(action) + ret(Seccomp.RET_ALLOW))
    }
    static func data(_ nr: Int, ip: UInt64 = 0x401000, _ args: [UInt64] = []) -> SeccompData {
        SeccompData(nr: Int32(nr), instructionPointer: ip, args: args)
    }

    @Test("a filter on one call: its action there, ALLOW elsewhere")
    func oneCall() throws {
        let f = try Self.onCall(SyscallNumber.getppid, Seccomp.RET_ERRNO | 1)
        #expect(f.run(Self.data(SyscallNumber.getppid)) == Seccomp.RET_ERRNO | 1)
        #expect(f.run(Self.data(SyscallNumber.getpid)) == Seccomp.RET_ALLOW)
    }

    /// Programs Linux refuses, by what is wrong with them.
    static let refusedPrograms: [(String, [UInt8])] = {
        var r: [(String, [UInt8])] = []
        r.append(("empty", []))
        r.append(("not whole instructions", [UInt8](repeating: 0, count: 12)))
        r.append(("4097 instructions", [UInt8](repeating: 0, count: 4097 * 8)))
        r.append(("no final RET", ld(0)))
        r.append(("load at 64", ld(64) + ret(0)))
        r.append(("unaligned load", ld(2) + ret(0)))
        r.append(("byte load", insn(F.LD | 0x10 | F.ABS) + ret(0)))
        r.append(("MOD", insn(F.ALU | 0x90 | F.K, 0, 0, 3) + ret(0)))
        r.append(("division by constant zero", insn(F.ALU | F.DIV | F.K) + ret(0)))
        r.append(("shift by 32", insn(F.ALU | F.LSH | F.K, 0, 0, 32) + ret(0)))
        r.append(("scratch word 16", insn(F.ST, 0, 0, 16) + ret(0)))
        r.append(("scratch read before any write", insn(F.LD | F.MEM, 0, 0, 3) + ret(0)))
        var onePath = ld(0) + insn(F.JMP | F.JEQ | F.K, 0, 1, 1)
        onePath += insn(F.ST, 0, 0, 2) + insn(F.LD | F.MEM, 0, 0, 2) + ret(0)
        r.append(("scratch written on one path only", onePath))
        r.append(("JA past the end", insn(F.JMP | F.JA, 0, 0, 1) + ret(0)))
        r.append(("jt past the end", ld(0) + insn(F.JMP | F.JEQ | F.K, 1, 0, 0) + ret(0)))
        r.append(("unknown opcode", insn(0xffff) + ret(0)))
        return r
    }()

    @Test("programs Linux refuses are EINVAL")
    func refusedAll() {
        for (name, bytes) in Self.refusedPrograms { refused(name, bytes) }
    }

    func refused(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: Errno.invalidArgument, "\(name)") { _ = try F(bytes: bytes) }
    }

    @Test("4096 instructions are accepted; LEN loads read 64; RET A returns the accumulator")
    func limitsAndLength() throws {
        let long = [UInt8](repeating: 0, count: 4095 * 8) + Self.ret(Seccomp.RET_ALLOW)   // 4095 × `ld #0`
        #expect(try F(bytes: long).program.count == 4096)
        let len = try F(bytes: Self.insn(F.LD | F.W | F.LEN) + Self.insn(F.RET | F.A))
        #expect(len.run(Self.data(0)) == 64)
        let lenX = try F(bytes: Self.insn(F.LDX | F.W | F.LEN) + Self.insn(F.MISC | F.TXA) + Self.insn(F.RET | F.A))
        #expect(lenX.run(Self.data(0)) == 64)
    }

    @Test("arithmetic, scratch words, jumps on X and the words of arguments and ip")
    func interpreter() throws {
        // A = (args[1].hi + 5) * 3; M[4] = A; X = ip.lo; A = M[4] ^ X; ret A
        var p = Self.ld(28)
        p += Self.insn(F.ALU | F.ADD | F.K, 0, 0, 5)
        p += Self.insn(F.ALU | F.MUL | F.K, 0, 0, 3)
        p += Self.insn(F.ST, 0, 0, 4)
        p += Self.ld(8)
        p += Self.insn(F.MISC | F.TAX)
        p += Self.insn(F.LD | F.MEM, 0, 0, 4)
        p += Self.insn(F.ALU | F.XOR | F.X)
        p += Self.insn(F.RET | F.A)
        let f = try F(bytes: p)
        let d = Self.data(1, ip: 0x1234_0000_00ab, [0, 0x7_0000_0001])
        #expect(f.run(d) == UInt32((7 + 5) * 3) ^ 0xab)
        // JSET and JGT against X, then NEG, shifts, OR, AND, SUB on the fall-through path.
        var q = Self.ld(16)
        q += Self.insn(F.JMP | F.JSET | F.K, 0, 5, 0x10)
        q += Self.insn(F.LDX | F.IMM, 0, 0, 100)
        q += Self.insn(F.JMP | F.JGT | F.X, 0, 2, 0)
        q += Self.ret(1)
        q += Self.ret(9)
        q += Self.ret(2)
        q += Self.insn(F.ALU | F.NEG)
        q += Self.insn(F.ALU | F.RSH | F.K, 0, 0, 28)
        q += Self.insn(F.ALU | F.LSH | F.K, 0, 0, 1)
        q += Self.insn(F.ALU | F.OR | F.K, 0, 0, 0x100)
        q += Self.insn(F.ALU | F.AND | F.K, 0, 0, 0x1ff)
        q += Self.insn(F.ALU | F.SUB | F.K, 0, 0, 1)
        q += Self.insn(F.RET | F.A)
        let g = try F(bytes: q)
        #expect(g.run(Self.data(0, [0x1f0])) == 1)       // bit 4 set, 0x1f0 > 100
        #expect(g.run(Self.data(0, [0x10])) == 2)        // bit 4 set, 16 <= 100
        let negated: UInt32 = 0 &- 1                      // A = 1, negated: 0xffffffff
        let expected: UInt32 = (((negated >> 28) << 1) | 0x100) & 0x1ff
        #expect(g.run(Self.data(0, [1])) == expected - 1)
    }

    @Test("division by a zero X ends the program with 0 (KILL_THREAD), as classic BPF does")
    func divisionByZeroX() throws {
        let f = try F(bytes: Self.insn(F.LD | F.IMM, 0, 0, 10) + Self.insn(F.LDX | F.IMM) + Self.insn(F.ALU | F.DIV | F.X) + Self.ret(Seccomp.RET_ALLOW))
        #expect(f.run(Self.data(0)) == 0)
        let g = try F(bytes: Self.insn(F.LD | F.IMM, 0, 0, 10) + Self.insn(F.LDX | F.IMM, 0, 0, 3) + Self.insn(F.ALU | F.DIV | F.X) + Self.insn(F.RET | F.A))
        #expect(g.run(Self.data(0)) == 3)
    }

    @Test("stacked filters: the strictest action wins, the newest filter's data among equals")
    func stacking() throws {
        let nr = SyscallNumber.getppid
        var s = SeccompState(mode: Seccomp.MODE_FILTER, filters: [try Self.onCall(nr, Seccomp.RET_ERRNO | 1)])
        s.filters.append(try Self.onCall(nr, Seccomp.RET_ERRNO | 13))
        #expect(s.evaluate(Self.data(nr)) == Seccomp.RET_ERRNO | 13)
        s.filters.append(try Self.onCall(nr, Seccomp.RET_TRACE | 5))
        #expect(s.evaluate(Self.data(nr)) == Seccomp.RET_ERRNO | 13)
        s.filters.append(try Self.onCall(nr, Seccomp.RET_TRAP | 2))
        #expect(s.evaluate(Self.data(nr)) == Seccomp.RET_TRAP | 2)
        s.filters.insert(try Self.onCall(nr, Seccomp.RET_KILL_PROCESS), at: 0)
        #expect(s.evaluate(Self.data(nr)) == Seccomp.RET_KILL_PROCESS)
        #expect(s.evaluate(Self.data(SyscallNumber.getpid)) == Seccomp.RET_ALLOW)
        let log = SeccompState(mode: Seccomp.MODE_FILTER, filters: [try Self.onCall(nr, Seccomp.RET_LOG), try Self.onCall(nr, Seccomp.RET_ALLOW)])
        #expect(log.evaluate(Self.data(nr)) == Seccomp.RET_LOG)
    }

    @Test("TSYNC's ancestry: a thread whose filters are a prefix of the caller's can be moved; a diverged or strict one cannot")
    func ancestry() throws {
        let a = try Self.onCall(1, Seccomp.RET_ERRNO | 1), b = try Self.onCall(2, Seccomp.RET_ERRNO | 1), c = try Self.onCall(3, Seccomp.RET_ERRNO | 1)
        let caller = SeccompState(mode: Seccomp.MODE_FILTER, filters: [a, b])
        #expect(caller.descends(from: SeccompState()))
        #expect(caller.descends(from: SeccompState(mode: Seccomp.MODE_FILTER, filters: [a])))
        #expect(!caller.descends(from: SeccompState(mode: Seccomp.MODE_FILTER, filters: [a, c])))
        #expect(!caller.descends(from: SeccompState(mode: Seccomp.MODE_FILTER, filters: [a, b, c])))
        #expect(!caller.descends(from: SeccompState(mode: Seccomp.MODE_STRICT, filters: [F.strictMode()])))
        // Identity, not equal bytes: a filter installed separately is another filter.
        #expect(!caller.descends(from: SeccompState(mode: Seccomp.MODE_FILTER, filters: [try Self.onCall(1, Seccomp.RET_ERRNO | 1)])))
    }

    @Test("MAX_INSNS_PER_PATH counts every filter with a penalty of 4")
    func pathLimit() throws {
        let big = try F(bytes: [UInt8](repeating: 0, count: 4095 * 8) + Self.ret(Seccomp.RET_ALLOW))
        var s = SeccompState(mode: Seccomp.MODE_FILTER, filters: [])
        for _ in 0..<7 { s.filters.append(big) }          // 7 × 4100 = 28700
        #expect(s.admits(instructions: 4064))              // 28700 + 4064 = 32764
        #expect(!s.admits(instructions: 4069))
    }

    @Test("the host's copy sends calls from the gadget to the Sentry (TRACE) and judges every other call as the program does")
    func gadgetPrologue() throws {
        let gadget: UInt64 = 0x1000_00ea
        let f = try Self.onCall(SyscallNumber.mmap, Seccomp.RET_KILL_PROCESS)
        let host = try F(bytes: f.hostProgram(gadgetReturn: gadget))
        #expect(host.program.count == f.program.count + 7)   // ApplicationFilter.splice's prefix and RET_TRACE
        #expect(host.run(Self.data(SyscallNumber.mmap, ip: gadget)) == Seccomp.RET_TRACE)
        #expect(host.run(Self.data(SyscallNumber.mmap, ip: 0x401000)) == Seccomp.RET_KILL_PROCESS)
        // Only the whole 64-bit address: the same low word elsewhere is judged.
        #expect(host.run(Self.data(SyscallNumber.mmap, ip: gadget | 1 << 32)) == Seccomp.RET_KILL_PROCESS)
        #expect(host.run(Self.data(SyscallNumber.getpid, ip: gadget + 2)) == Seccomp.RET_ALLOW)
        // The Sentry's own copy has no prologue: a program's call from the gadget is judged.
        #expect(f.run(Self.data(SyscallNumber.mmap, ip: gadget)) == Seccomp.RET_KILL_PROCESS)
        // A program with no room for the prologue goes to the host as it is.
        let full = try F(bytes: [UInt8](repeating: 0, count: 4093 * 8) + Self.ret(Seccomp.RET_ALLOW))
        #expect(full.hostProgram(gadgetReturn: gadget) == full.bytes)
    }

    @Test("strict mode's filter: read, write, exit and rt_sigreturn run, anything else stops at the Sentry")
    func strictMode() {
        let f = F.strictMode()
        for nr in [SyscallNumber.read, SyscallNumber.write, SyscallNumber.exit, SyscallNumber.rt_sigreturn] {
            #expect(f.run(Self.data(nr)) == Seccomp.RET_ALLOW)
        }
        for nr in [SyscallNumber.exit_group, SyscallNumber.getpid, SyscallNumber.seccomp, SyscallNumber.mmap] {
            #expect(f.run(Self.data(nr)) == Seccomp.RET_TRACE)
        }
    }
}
