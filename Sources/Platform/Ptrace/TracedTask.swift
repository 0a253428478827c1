// What the ptrace Platform remembers about one traced host thread.

import CHusk

/// Where a traced thread is stopped, which decides how registers and resumption work.
enum PtraceStop {
    case running
    /// Seccomp stop: the syscall is at entry; changing orig_rax changes which call runs.
    case seccomp
    /// Syscall-exit stop (after an injection): rax is the return value the task will see.
    case syscallExit
    /// PTRACE_EVENT_EXEC stop: still inside execve, whose exit will set rax to 0.
    case execEvent
    /// PTRACE_EVENT_STOP (a new child's first stop, a group-stop): outside any syscall.
    case trapStop
    /// Clone/fork/vfork/exit event or signal-delivery stop: no injection there.
    case otherEvent
}

struct TracedTask {
    var stop: PtraceStop = .running
    /// Registers at the stop, restored after each injection (setEntryRegisters replaces them).
    var regs = user_regs_struct()
    /// Set when an injection at a seccomp stop used up the original call: its number.
    var consumedNr: Int? = nil
    /// After `complete(.runNative)` or a rewrite re-enters a consumed call: its seccomp stop
    /// (number, rip after the syscall instruction, arguments) is passed through unreported.
    /// The re-entry runs the program's own instruction, which another thread could rewrite:
    /// a stop that differs in anything is served as a new call.
    var reentry: SyscallRegisters? = nil
    /// The stub image of the current address space (inherited by threads and fork children).
    var stub: StubImage? = nil
    /// A child's first stop was reported (`.started`).
    var started = false
    /// Resumed with PTRACE_SYSCALL instead of PTRACE_CONT: the program's tracer wants its
    /// syscall stops.
    var traceSyscalls = false
    /// The next syscall-entry stop re-enters a call whose entry was reported already.
    var swallowEntry = false
    /// A call skipped at its seccomp stop (orig_rax -1) while syscall stops are reported: its
    /// number, put back in orig_rax at its exit stop, where Linux's tracer finds it.
    var skippedNr: UInt64? = nil
    /// The task has seccomp filters of its own: an injection at a seccomp stop first skips the
    /// task's call, then runs from the gadget (`Platform.setOwnSeccompFilters`).
    var ownFilters = false
}

/// A FIFO of decoded events; nothing a waitpid returned is ever dropped.
struct EventQueue {
    private var items: [TaskEvent] = []
    private var head = 0
    var isEmpty: Bool { head == items.count }
    mutating func push(_ e: TaskEvent) { items.append(e) }
    mutating func pop() -> TaskEvent? {
        guard head < items.count else { return nil }
        let e = items[head]
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        return e
    }
}

/// Wait-status decoding (the W* macros do not import).
enum WaitStatus {
    static func exited(_ s: Int32) -> Bool { s & 0x7f == 0 }
    static func signaled(_ s: Int32) -> Bool { ((s & 0x7f) + 1) >> 1 > 0 && s & 0x7f != 0x7f }
    static func stopped(_ s: Int32) -> Bool { s & 0xff == 0x7f }
    static func stopSignal(_ s: Int32) -> Int32 { (s >> 8) & 0xff }
    static func event(_ s: Int32) -> Int32 { (s >> 16) & 0xffff }
}

extension user_regs_struct {
    var syscallRegisters: SyscallRegisters {
        SyscallRegisters(nr: Int(Int64(bitPattern: orig_rax)), args: (rdi, rsi, rdx, r10, r8, r9), ip: rip, sp: rsp)
    }
    mutating func setArgs(_ a: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) {
        rdi = a.0; rsi = a.1; rdx = a.2; r10 = a.3; r8 = a.4; r9 = a.5
    }
}
