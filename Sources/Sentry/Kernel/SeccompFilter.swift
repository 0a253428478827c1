// The program's own seccomp filters (seccomp(2), prctl(PR_SET_SECCOMP)): classic-BPF programs
// checked as Linux checks them (bpf_check_classic, then seccomp_check_filter), installed on the
// host task by the Sentry, and also run here on the Sentry's own copy: the host stacks them on
// the application filter and answers ERRNO, TRAP and KILL itself, but a TRACE (or any stop the
// Sentry sees) must be told apart without trusting the host's event message
// (docs/security.md, "The program's own seccomp filters").

import LinuxABI
import Platform
import SystemPackage

/// linux/seccomp.h and linux/filter.h numbers.
enum Seccomp {
    static let SET_MODE_STRICT: Int32 = 0, SET_MODE_FILTER: Int32 = 1
    static let GET_ACTION_AVAIL: Int32 = 2, GET_NOTIF_SIZES: Int32 = 3
    static let FLAG_TSYNC: UInt64 = 1, FLAG_LOG: UInt64 = 2, FLAG_SPEC_ALLOW: UInt64 = 4
    static let FLAG_NEW_LISTENER: UInt64 = 8, FLAG_TSYNC_ESRCH: UInt64 = 16, FLAG_WAIT_KILLABLE_RECV: UInt64 = 32
    static let knownFlags: UInt64 = 0x3f
    /// prctl's PR_GET_SECCOMP/PR_SET_SECCOMP modes.
    static let MODE_DISABLED: Int32 = 0, MODE_STRICT: Int32 = 1, MODE_FILTER: Int32 = 2

    static let RET_KILL_PROCESS: UInt32 = 0x8000_0000, RET_KILL_THREAD: UInt32 = 0
    static let RET_TRAP: UInt32 = 0x0003_0000, RET_ERRNO: UInt32 = 0x0005_0000
    static let RET_USER_NOTIF: UInt32 = 0x7fc0_0000, RET_TRACE: UInt32 = 0x7ff0_0000
    static let RET_LOG: UInt32 = 0x7ffc_0000, RET_ALLOW: UInt32 = 0x7fff_0000
    static let actionMask: UInt32 = 0xffff_0000, dataMask: UInt32 = 0x0000_ffff
    static let knownActions: Set<UInt32> = [RET_KILL_PROCESS, RET_KILL_THREAD, RET_TRAP, RET_ERRNO,
                                            RET_USER_NOTIF, RET_TRACE, RET_LOG, RET_ALLOW]
    /// BPF_MAXINSNS, and MAX_INSNS_PER_PATH: the instructions of every filter a call runs
    /// through, each counted with a penalty of 4.
    static let maxInstructions = 4096, maxInstructionsPerPath = 32768
    /// AUDIT_ARCH_X86_64: the only architecture the application filter lets through.
    static let auditArchX86_64: UInt32 = 0xc000_003e
    /// struct seccomp_data.
    static let dataSize: UInt32 = 64
    /// SYS_SECCOMP, the si_code of a TRAP's SIGSYS.
    static let SYS_SECCOMP: Int32 = 1
    /// The calls strict mode lets run.
    static let strictModeCalls = [SyscallNumber.read, SyscallNumber.write, SyscallNumber.exit, SyscallNumber.rt_sigreturn]

    /// Linux compares actions as signed 32-bit numbers: KILL_PROCESS is the strictest.
    static func precedence(_ ret: UInt32) -> Int32 { Int32(bitPattern: ret & actionMask) }
}

/// struct seccomp_data, as a filter reads it.
struct SeccompData: Equatable {
    var nr: Int32
    var arch: UInt32 = Seccomp.auditArchX86_64
    var instructionPointer: UInt64
    var args: [UInt64]

    init(nr: Int32, instructionPointer: UInt64, args: [UInt64]) {
        self.nr = nr; self.instructionPointer = instructionPointer
        self.args = args + Array(repeating: 0, count: max(0, 6 - args.count))
    }

    /// The 32-bit word at byte `offset` (little-endian, 4-aligned, below 64: checked at load).
    func word(at offset: UInt32) -> UInt32 {
        switch offset {
        case 0: return UInt32(bitPattern: nr)
        case 4: return arch
        case 8: return UInt32(truncatingIfNeeded: instructionPointer)
        case 12: return UInt32(truncatingIfNeeded: instructionPointer >> 32)
        default:
            let i = Int(offset - 16) / 8
            let v = args[i]
            return offset % 8 == 0 ? UInt32(truncatingIfNeeded: v) : UInt32(truncatingIfNeeded: v >> 32)
        }
    }
}

/// One installed filter: its instructions as given (what the host installs) and as the
/// Sentry runs them (after seccomp_check_filter's rewrites).
final class SeccompFilter {
    struct Instruction: Equatable {
        var code: UInt16, jt: UInt8, jf: UInt8, k: UInt32
    }

    // Classes, sizes, modes and operations of classic BPF (linux/bpf_common.h).
    static let LD: UInt16 = 0x00, LDX: UInt16 = 0x01, ST: UInt16 = 0x02, STX: UInt16 = 0x03
    static let ALU: UInt16 = 0x04, JMP: UInt16 = 0x05, RET: UInt16 = 0x06, MISC: UInt16 = 0x07
    static let W: UInt16 = 0x00, IMM: UInt16 = 0x00, ABS: UInt16 = 0x20, MEM: UInt16 = 0x60, LEN: UInt16 = 0x80
    static let ADD: UInt16 = 0x00, SUB: UInt16 = 0x10, MUL: UInt16 = 0x20, DIV: UInt16 = 0x30
    static let OR: UInt16 = 0x40, AND: UInt16 = 0x50, LSH: UInt16 = 0x60, RSH: UInt16 = 0x70
    static let NEG: UInt16 = 0x80, XOR: UInt16 = 0xa0
    static let JA: UInt16 = 0x00, JEQ: UInt16 = 0x10, JGT: UInt16 = 0x20, JGE: UInt16 = 0x30, JSET: UInt16 = 0x40
    static let K: UInt16 = 0x00, X: UInt16 = 0x08, A: UInt16 = 0x10
    static let TAX: UInt16 = 0x00, TXA: UInt16 = 0x80
    static let memoryWords = 16

    /// The codes seccomp_check_filter accepts (after bpf_check_classic): word loads from
    /// seccomp_data, the scratch words, 32-bit arithmetic without MOD, forward jumps, returns.
    static let allowedCodes: Set<UInt16> = {
        var s: Set<UInt16> = [LD | W | ABS, LD | W | LEN, LDX | W | LEN, RET | K, RET | A, ALU | NEG,
                              LD | IMM, LDX | IMM, MISC | TAX, MISC | TXA, LD | MEM, LDX | MEM, ST, STX, JMP | JA]
        for op in [ADD, SUB, MUL, DIV, AND, OR, XOR, LSH, RSH] { s.insert(ALU | op | K); s.insert(ALU | op | X) }
        for op in [JEQ, JGE, JGT, JSET] { s.insert(JMP | op | K); s.insert(JMP | op | X) }
        return s
    }()

    /// The program as the task gave it (struct sock_filter, 8 bytes each).
    let bytes: [UInt8]
    /// What runs here: LEN loads became immediates, as seccomp_check_filter rewrites them.
    let program: [Instruction]
    /// Installed with SECCOMP_FILTER_FLAG_LOG.
    let log: Bool

    /// Checks `bytes` (a whole number of instructions, 1...BPF_MAXINSNS) as Linux does;
    /// EINVAL for anything it refuses.
    init(bytes: [UInt8], log: Bool = false) throws(Errno) {
        let count = bytes.count / 8
        guard bytes.count % 8 == 0, count >= 1, count <= Seccomp.maxInstructions else { throw .invalidArgument }
        var program: [Instruction] = []
        program.reserveCapacity(count)
        for i in 0..<count {
            let b = i * 8
            program.append(Instruction(code: UInt16(bytes[b]) | UInt16(bytes[b + 1]) << 8, jt: bytes[b + 2], jf: bytes[b + 3],
                                       k: UInt32(bytes[b + 4]) | UInt32(bytes[b + 5]) << 8 | UInt32(bytes[b + 6]) << 16 | UInt32(bytes[b + 7]) << 24))
        }
        try Self.check(program)
        for i in program.indices where program[i].code == Self.LD | Self.W | Self.LEN || program[i].code == Self.LDX | Self.W | Self.LEN {
            program[i].code = (program[i].code & 0x07) | Self.IMM
            program[i].k = Seccomp.dataSize
        }
        self.bytes = bytes
        self.program = program
        self.log = log
    }

    /// bpf_check_classic and seccomp_check_filter, in one pass and then the store/load walk.
    static func check(_ p: [Instruction]) throws(Errno) {
        let n = p.count
        for (pc, insn) in p.enumerated() {
            guard allowedCodes.contains(insn.code) else { throw .invalidArgument }
            switch insn.code {
            case ALU | DIV | K: if insn.k == 0 { throw .invalidArgument }
            case ALU | LSH | K, ALU | RSH | K: if insn.k >= 32 { throw .invalidArgument }
            case LD | MEM, LDX | MEM, ST, STX: if insn.k >= UInt32(memoryWords) { throw .invalidArgument }
            case JMP | JA: if UInt64(insn.k) >= UInt64(n - pc - 1) { throw .invalidArgument }
            case LD | W | ABS: if insn.k >= Seccomp.dataSize || insn.k & 3 != 0 { throw .invalidArgument }
            default:
                if insn.code & 0x07 == JMP && (pc + Int(insn.jt) + 1 >= n || pc + Int(insn.jf) + 1 >= n) { throw .invalidArgument }
            }
        }
        guard p[n - 1].code == RET | K || p[n - 1].code == RET | A else { throw .invalidArgument }
        // check_load_and_stores: a scratch word is read only on paths that wrote it.
        var masks = [UInt16](repeating: 0xffff, count: n)
        var valid: UInt16 = 0
        for (pc, insn) in p.enumerated() {
            valid &= masks[pc]
            switch insn.code {
            case ST, STX: valid |= 1 << insn.k
            case LD | MEM, LDX | MEM: if valid & (1 << insn.k) == 0 { throw .invalidArgument }
            case JMP | JA:
                masks[pc + 1 + Int(insn.k)] &= valid
                valid = 0xffff
            default:
                if insn.code & 0x07 == JMP {
                    masks[pc + 1 + Int(insn.jt)] &= valid
                    masks[pc + 1 + Int(insn.jf)] &= valid
                    valid = 0xffff
                }
            }
        }
    }

    /// Runs the program on `data`: its return value (action | data). Checked programs only
    /// jump forward, so this ends within `program.count` steps.
    func run(_ data: SeccompData) -> UInt32 {
        var a: UInt32 = 0, x: UInt32 = 0
        var mem = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                   UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        var pc = 0
        while pc < program.count {
            let i = program[pc]
            pc += 1
            switch i.code {
            case Self.LD | Self.W | Self.ABS: a = data.word(at: i.k)
            case Self.LD | Self.IMM: a = i.k
            case Self.LDX | Self.IMM: x = i.k
            case Self.LD | Self.MEM: a = withUnsafeBytes(of: &mem) { $0.load(fromByteOffset: Int(i.k) * 4, as: UInt32.self) }
            case Self.LDX | Self.MEM: x = withUnsafeBytes(of: &mem) { $0.load(fromByteOffset: Int(i.k) * 4, as: UInt32.self) }
            case Self.ST: withUnsafeMutableBytes(of: &mem) { $0.storeBytes(of: a, toByteOffset: Int(i.k) * 4, as: UInt32.self) }
            case Self.STX: withUnsafeMutableBytes(of: &mem) { $0.storeBytes(of: x, toByteOffset: Int(i.k) * 4, as: UInt32.self) }
            case Self.MISC | Self.TAX: x = a
            case Self.MISC | Self.TXA: a = x
            case Self.RET | Self.K: return i.k
            case Self.RET | Self.A: return a
            case Self.ALU | Self.NEG: a = 0 &- a
            case Self.JMP | Self.JA: pc += Int(i.k)
            default:
                let operand = i.code & Self.X != 0 ? x : i.k
                if i.code & 0x07 == Self.ALU {
                    switch i.code & 0xf0 {
                    case Self.ADD: a = a &+ operand
                    case Self.SUB: a = a &- operand
                    case Self.MUL: a = a &* operand
                    case Self.DIV:
                        if operand == 0 { return 0 }   // classic BPF's division by zero: the program returns 0
                        a /= operand
                    case Self.AND: a &= operand
                    case Self.OR: a |= operand
                    case Self.XOR: a ^= operand
                    case Self.LSH: a = a << (operand & 31)
                    case Self.RSH: a = a >> (operand & 31)
                    default: return Seccomp.RET_KILL_PROCESS
                    }
                } else if i.code & 0x07 == Self.JMP {
                    let taken: Bool
                    switch i.code & 0xf0 {
                    case Self.JEQ: taken = a == operand
                    case Self.JGT: taken = a > operand
                    case Self.JGE: taken = a >= operand
                    case Self.JSET: taken = a & operand != 0
                    default: return Seccomp.RET_KILL_PROCESS
                    }
                    pc += Int(taken ? i.jt : i.jf)
                } else {
                    return Seccomp.RET_KILL_PROCESS    // never reached: `check` refused it
                }
            }
        }
        return Seccomp.RET_KILL_PROCESS
    }

    /// What the host installs: the program behind a prologue that sends every call made from
    /// the stub's gadget (`gadgetReturn`, the address after its syscall instruction) to the
    /// Sentry's stop (RET_TRACE) instead of judging it. The Sentry's injections run there, and
    /// its recheck after the stop allows them: the program's filter never sees them, as Linux's
    /// filters never see the kernel's own work (the ELF loader). A program that jumps to the
    /// gadget itself gains nothing: its call stops at the Sentry, which runs this filter (its
    /// own copy, without the prologue) on it. A program too long for the prologue (seven
    /// instructions) is installed as it is.
    func hostProgram(gadgetReturn ip: UInt64) -> [UInt8] {
        // The application filter's own instruction-pointer split (ApplicationFilter.splice):
        // RET_TRACE for the gadget, the program for any other address.
        let trace = Self.encode([Instruction(code: Self.RET | Self.K, jt: 0, jf: 0, k: Seccomp.RET_TRACE)])
        return (try? ApplicationFilter.splice(byInstructionPointer: ip, matching: trace, other: bytes)) ?? bytes
    }

    /// The equivalent of strict mode as a filter: read, write, exit and rt_sigreturn run, any
    /// other call stops at the Sentry (RET_TRACE), which kills the task with SIGKILL as strict
    /// mode does (a filter's own kill would report SIGSYS).
    static func strictMode() -> SeccompFilter {
        let allowed = Seccomp.strictModeCalls
        var insns: [Instruction] = [Instruction(code: LD | W | ABS, jt: 0, jf: 0, k: 0)]
        for (i, nr) in allowed.enumerated() {
            insns.append(Instruction(code: JMP | JEQ | K, jt: UInt8(allowed.count - i), jf: 0, k: UInt32(nr)))
        }
        insns.append(Instruction(code: RET | K, jt: 0, jf: 0, k: Seccomp.RET_TRACE))
        insns.append(Instruction(code: RET | K, jt: 0, jf: 0, k: Seccomp.RET_ALLOW))
        return try! SeccompFilter(bytes: encode(insns))
    }

    /// struct sock_filter, 8 bytes each, little-endian.
    static func encode(_ insns: [Instruction]) -> [UInt8] {
        var bytes: [UInt8] = []
        for i in insns {
            bytes += [UInt8(i.code & 0xff), UInt8(i.code >> 8), i.jt, i.jf]
            withUnsafeBytes(of: i.k.littleEndian) { bytes += $0 }
        }
        return bytes
    }
}

/// A thread's seccomp state: its mode and its filters, oldest first (fork and clone copy it,
/// execve keeps it).
struct SeccompState {
    var mode: Int32 = Seccomp.MODE_DISABLED
    var filters: [SeccompFilter] = []

    /// seccomp_run_filters: every filter runs, newest first; the strictest action wins, and
    /// among equals the newest filter's return value.
    func evaluate(_ data: SeccompData) -> UInt32 {
        var ret = Seccomp.RET_ALLOW
        for f in filters.reversed() {
            let cur = f.run(data)
            if Seccomp.precedence(cur) < Seccomp.precedence(ret) { ret = cur }
        }
        return ret
    }

    /// The instructions a call runs through with one more filter of `count` (ENOMEM past
    /// MAX_INSNS_PER_PATH).
    func admits(instructions count: Int) -> Bool {
        filters.reduce(count) { $0 + $1.program.count + 4 } <= Seccomp.maxInstructionsPerPath
    }

    /// Whether `other`'s filters are an ancestor of (a prefix of) these: what TSYNC requires
    /// of every other thread.
    func descends(from other: SeccompState) -> Bool {
        guard other.mode != Seccomp.MODE_STRICT, other.filters.count <= filters.count else { return false }
        return zip(other.filters, filters).allSatisfy { $0 === $1 }
    }
}
