// The ptrace Platform: seccomp RET_TRACE stops, decoded from waitpid, served by the Sentry.
// All methods must be called from the one thread that created the platform and started the
// first task (ptrace requests are per tracer thread; SIGCHLD is blocked in that thread).
//
// Contract details the Sentry relies on:
// - After eventFD is readable, call nextEvent() until it returns nil (the signalfd is drained
//   on each call; waitpid(-1) is process-wide, so one PtracePlatform per process).
// - startFirstTask returns with the task at its exec event; execStub leaves it at the exit
//   stop of the exec. Either way: injectSyscall, read/writeMemory, setEntryRegisters, then
//   resume(tid, signal: 0) (or complete(.skip(0))) starts the program with rax = 0.
// - After injections at a seccomp stop the original call is used up: complete(.runNative)
//   and a rewrite (completeRewritten, .suspendUnderMask) re-execute it (rip - 2) and swallow
//   its second seccomp stop.
// - A signal arriving during an injection is re-sent with tkill afterwards (siginfo becomes
//   SI_TKILL): it shows up as .signalled when the task next runs.

import CHusk
import Glibc
import LinuxABI
import SystemPackage

/// How ptrace carries out a completion, in register terms.
enum PtraceCompletion {
    /// orig_rax -1 (no host call), rax the value.
    case skip(Int64)
    /// Registers untouched: the host runs the call.
    case runNative
    /// A new number and arguments, run natively.
    case rewrite(SyscallRegisters)
    /// rip rewound to the syscall instruction, rax the original number, the call skipped.
    case restart
}

public class PtracePlatform: Platform {
    /// A signalfd for SIGCHLD (SIGCHLD is blocked in the thread that created the platform).
    public let eventFD: Int32
    /// The same signalfd, by the name the unotify platform uses beside its listener.
    var sigchldFD: Int32 { eventFD }
    /// The first task loads the filter compiled for user notification and hands over its
    /// listener (the unotify platform, Unotify/UnotifyPlatform.swift).
    let userNotify: Bool
    /// The seccomp listener taken from the first task (-1 until then, and under ptrace).
    var listenerFD: Int32 = -1
    public var scratchSize: Int { StubELF.scratchSize }
    /// The Sentry's end of the control socket (SOCK_SEQPACKET) over which fds are sent.
    public let controlFD: Int32
    /// The tasks' end: placed at `TaskHostFD.control` in the first task and inherited.
    public let taskControlFD: Int32
    /// The application filter, as rules (injection re-entry asks it) and as the BPF program
    /// every first task loads.
    let filter: ApplicationFilter
    let filterProgram: [UInt8]

    var tasks: [HostTID: TracedTask] = [:]
    /// Children whose first stop arrived before their parent's clone event.
    var earlyStarts: Set<HostTID> = []
    /// Tasks `interrupt` asked to stop: their next PTRACE_EVENT_STOP is reported.
    var interrupts: Set<HostTID> = []
    var queue = EventQueue()
    /// waitpid may still have statuses (the last nextPtraceEvent returned one): unotify asks it
    /// again without a new SIGCHLD.
    var ptraceMayHaveMore = true
    /// Scratch for installFD's message (msghdr + iovec + control) on the Sentry side.
    let msgBuffer: UnsafeMutableRawPointer
    /// Where the platform says, in one line, that it killed a task which tampered with the
    /// Sentry's machinery (the Sentry's stderr, which is husk run's; tests replace it).
    public var hostileReport: (String) -> Void = { line in
        var s = line
        s.append("\n")
        s.withUTF8 { b in _ = write(2, b.baseAddress, b.count) }
    }

    static let options: UInt = UInt(CHUSK_PTRACE_O_TRACESYSGOOD | CHUSK_PTRACE_O_TRACESECCOMP |
        CHUSK_PTRACE_O_TRACECLONE | CHUSK_PTRACE_O_TRACEFORK | CHUSK_PTRACE_O_TRACEVFORK |
        CHUSK_PTRACE_O_TRACEEXEC | CHUSK_PTRACE_O_TRACEVFORKDONE | CHUSK_PTRACE_O_TRACEEXIT | CHUSK_PTRACE_O_EXITKILL)

    public convenience init(filter: ApplicationFilter) throws(Errno) {
        try self.init(filter: filter, userNotify: false)
    }

    init(filter: ApplicationFilter, userNotify: Bool) throws(Errno) {
        self.filter = filter
        self.userNotify = userNotify
        filterProgram = try filter.compile(userNotify: userNotify)
        var pair: (Int32, Int32) = (-1, -1)
        let rc = withUnsafeMutableBytes(of: &pair) {
            socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0,
                       $0.baseAddress!.assumingMemoryBound(to: Int32.self))
        }
        if rc != 0 { throw Errno(rawValue: errno) }
        let sfd = chusk_sigchld_signalfd()
        if sfd < 0 { close(pair.0); close(pair.1); throw Errno(rawValue: Int32(-sfd)) }
        controlFD = pair.0
        taskControlFD = pair.1
        eventFD = Int32(sfd)
        msgBuffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
    }

    deinit {
        close(controlFD); close(taskControlFD); close(eventFD)
        if listenerFD >= 0 { close(listenerFD) }
        msgBuffer.deallocate()
    }

    // MARK: - ptrace helpers

    @inline(__always) static func check(_ r: Int) throws(Errno) {
        if r < 0 { throw Errno(rawValue: Int32(-r)) }
    }
    func getRegs(_ tid: HostTID, _ regs: inout user_regs_struct) throws(Errno) {
        try Self.check(chusk_ptrace_getregs(tid, &regs))
    }
    func setRegs(_ tid: HostTID, _ regs: user_regs_struct) throws(Errno) {
        var r = regs
        try Self.check(chusk_ptrace_setregs(tid, &r))
    }
    func ptraceResume(_ tid: HostTID, _ request: Int, signal: Int32 = 0) throws(Errno) {
        try Self.check(chusk_ptrace(request, tid, 0, UInt(signal)))
    }
    /// PTRACE_CONT, or PTRACE_SYSCALL while the task's syscall stops are wanted.
    func continueRequest(_ tid: HostTID) -> Int {
        tasks[tid]?.traceSyscalls == true ? Int(CHUSK_PTRACE_SYSCALL) : Int(CHUSK_PTRACE_CONT)
    }
    func eventMessage(_ tid: HostTID) throws(Errno) -> UInt {
        var msg: UInt = 0
        try Self.check(chusk_ptrace_geteventmsg(tid, &msg))
        return msg
    }

    // MARK: - Platform

    public var capabilities: PlatformCapabilities { [.restartSyscall, .suspendUnderMask, .rewriteArgument, .stoppedTask] }

    public func capabilities(at tid: HostTID) -> PlatformCapabilities { capabilities }

    /// Called once the first task's listener is in `listenerFD` (unotify).
    func listenerTaken() {}

    /// None under ptrace (declared here so that unotify's override is what the Platform
    /// conformance, inherited from this class, calls).
    public var lateEventFDs: [Int32] { [] }

    /// A seccomp stop, before it is reported: the unotify platform puts back where a re-issued
    /// call returns to. `regs` are the task's; false: nothing changed.
    func redirectSeccompStop(_ tid: HostTID, _ regs: inout user_regs_struct) -> Bool { false }

    /// A PTRACE_EVENT_STOP that is not a group stop: true when the platform consumed it (the
    /// unotify platform's re-issue). The task is then running again.
    func consumeInterruptStop(_ tid: HostTID) -> Bool { false }

    /// A syscall-exit stop under PTRACE_SYSCALL, before it is reported: true when the platform
    /// consumed it (the unotify platform's re-issue, whose PTRACE_INTERRUPT this stop used up).
    /// The task is then running again.
    func consumeRestartExitStop(_ tid: HostTID) -> Bool { false }

    /// The next pending event (Platform): ptrace's, decoded from waitpid (PtraceEvents.swift).
    public func nextEvent() -> TaskEvent? { nextPtraceEvent() }

    public func complete(_ tid: HostTID, _ completion: SyscallCompletion) throws(Errno) {
        switch completion {
        case .skip(let v): try finish(tid, .skip(v))
        case .runNative: try finish(tid, .runNative)
        case .runNativeWith(let a):
            guard a.count == 6, let t = tasks[tid] else { throw Errno.invalidArgument }
            let nr = Int(Int64(bitPattern: t.regs.orig_rax))
            try finish(tid, .rewrite(SyscallRegisters(nr: nr, args: (a[0], a[1], a[2], a[3], a[4], a[5]), ip: t.regs.rip, sp: t.regs.rsp)))
        case .restart: try finish(tid, .restart)
        case .reissueStopped: throw .notSupported      // every call stops the task already
        case .runNativeWithArgument(let index, let value):
            guard let t = tasks[tid], (0..<6).contains(index) else { throw Errno.invalidArgument }
            let r = t.regs
            var args = [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
            args[index] = value
            try finish(tid, .rewrite(SyscallRegisters(nr: Int(Int64(bitPattern: r.orig_rax)), args: (args[0], args[1], args[2], args[3], args[4], args[5]),
                                                      ip: r.rip, sp: r.rsp)))
        case .suspendUnderMask(let mask):
            // A native rt_sigsuspend with the mask: the host delivers the pending signal under
            // it, restores the caller's mask after the handler and returns EINTR. The mask goes
            // through the scratch page.
            let scratch = try scratchAddress(tid)
            let written: Result<Void, Errno> = withUnsafeBytes(of: mask.littleEndian) { b in
                Result { () throws(Errno) in try writeMemory(tid, at: scratch, from: b) }
            }
            try written.get()
            let ip = tasks[tid]?.regs.rip ?? 0, sp = tasks[tid]?.regs.rsp ?? 0
            try finish(tid, .rewrite(SyscallRegisters(nr: SyscallNumber.rt_sigsuspend, args: (scratch, 8, 0, 0, 0, 0), ip: ip, sp: sp)))
        }
    }

    /// Runs another call than the one the task stopped at (its number and arguments from
    /// `regs`), natively: a mechanism of this platform only, outside the Platform contract.
    public func completeRewritten(_ tid: HostTID, _ regs: SyscallRegisters) throws(Errno) {
        try finish(tid, .rewrite(regs))
    }

    func finish(_ tid: HostTID, _ completion: PtraceCompletion) throws(Errno) {
        guard var t = tasks[tid], t.stop != .running else { throw Errno.noSuchProcess }
        var regs = t.regs
        switch t.stop {
        case .seccomp:
            switch completion {
            case .skip(let v):
                if t.traceSyscalls { t.skippedNr = regs.orig_rax }
                regs.orig_rax = UInt64.max      // -1: the host call is skipped
                regs.rax = UInt64(bitPattern: v)
                try setRegs(tid, regs)
            case .runNative:
                break
            case .rewrite(let r):
                regs.orig_rax = UInt64(bitPattern: Int64(r.nr))
                regs.setArgs(r.args)
                try setRegs(tid, regs)
            case .restart:
                regs.rax = regs.orig_rax
                regs.orig_rax = UInt64.max
                regs.rip &-= 2
                try setRegs(tid, regs)
            }
        case .syscallExit:
            if let orig = t.consumedNr {
                // An injection used up the original call: a native completion re-enters it.
                switch completion {
                case .skip(let v):
                    regs.rax = UInt64(bitPattern: v)
                case .runNative:
                    regs.rax = UInt64(bitPattern: Int64(orig))
                    regs.rip &-= 2
                    if filter.verdict(nr: orig, args: (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9)) == .trace {
                        t.reentry = SyscallRegisters(nr: orig, args: (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9), ip: t.regs.rip, sp: regs.rsp)
                    }
                case .rewrite(let r):
                    regs.rax = UInt64(bitPattern: Int64(r.nr))
                    regs.setArgs(r.args)
                    regs.rip &-= 2
                    if filter.verdict(nr: r.nr, args: r.args) == .trace {
                        t.reentry = SyscallRegisters(nr: r.nr, args: r.args, ip: t.regs.rip, sp: regs.rsp)
                    }
                case .restart:
                    // The Sentry serves the call afresh when it is issued again.
                    regs.rax = UInt64(bitPattern: Int64(orig))
                    regs.rip &-= 2
                }
            } else if case .skip(let v) = completion {
                regs.rax = UInt64(bitPattern: v)
            }
            try setRegs(tid, regs)
        default:
            break   // not at a syscall: the value has no register to go to
        }
        if t.traceSyscalls && t.stop == .syscallExit {
            // Injections used up the call's own exit stop, which the program's tracer waits
            // for: a skipped call reports one here; a call that runs again has its second
            // entry stop swallowed.
            if case .skip = completion {
                try reportExitStop(tid, &t)
                return
            }
            t.swallowEntry = true
        }
        try ptraceResume(tid, continueRequest(tid))
        t.stop = .running
        t.consumedNr = nil
        tasks[tid] = t
    }

    public func unreceivedCall(_ tid: HostTID) -> SyscallRegisters? { nil }
    public func restartUnreceivedCall(_ tid: HostTID) throws(Errno) {}

    public func setSignalInfo(_ tid: HostTID, _ info: UnsafeRawBufferPointer) throws(Errno) {
        guard info.count >= 128, let base = info.baseAddress else { throw Errno.invalidArgument }
        try Self.check(chusk_ptrace(0x4203 /* PTRACE_SETSIGINFO */, tid, 0, UInt(bitPattern: base)))
    }

    public func holdGroupStop(_ tid: HostTID) throws(Errno) {
        guard tasks[tid] != nil else { throw Errno.noSuchProcess }
        try ptraceResume(tid, Int(CHUSK_PTRACE_LISTEN))
        tasks[tid]!.stop = .running
        tasks[tid]!.consumedNr = nil
    }

    /// Reports a syscall-exit stop for a task held at the exit stop of an injection (its
    /// registers already hold the call's result) instead of resuming it.
    func reportExitStop(_ tid: HostTID, _ t: inout TracedTask) throws(Errno) {
        t.stop = .otherEvent
        t.consumedNr = nil
        tasks[tid] = t
        queue.push(.syscallStop(tid, exit: true))
    }

    public func resume(_ tid: HostTID, signal: Int32) throws(Errno) {
        guard var t = tasks[tid] else { throw Errno.noSuchProcess }
        if t.traceSyscalls && t.stop == .syscallExit && signal == 0 {
            try reportExitStop(tid, &t)      // execve's exit, after the Loader's injections
            return
        }
        try ptraceResume(tid, continueRequest(tid), signal: signal)
        tasks[tid]!.stop = .running
        tasks[tid]!.consumedNr = nil
    }

    public func readMemory(_ tid: HostTID, at address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let n = chusk_vm_read(tid, base, buffer.count, address)
        if n < 0 { throw Errno(rawValue: Int32(-n)) }
        if n != buffer.count { throw Errno.badAddress }
    }

    public func writeMemory(_ tid: HostTID, at address: UInt64, from buffer: UnsafeRawBufferPointer) throws(Errno) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let n = chusk_vm_write(tid, base, buffer.count, address)
        if n < 0 { throw Errno(rawValue: Int32(-n)) }
        if n != buffer.count { throw Errno.badAddress }
    }

    public func scratchAddress(_ tid: HostTID) throws(Errno) -> UInt64 {
        guard let t = tasks[tid] else { throw Errno.noSuchProcess }
        guard let stub = t.stub else { throw Errno.invalidArgument }
        return stub.stubBase + StubELF.scratchOffset
    }

    public func stubImage(_ tid: HostTID) throws(Errno) -> StubImage {
        guard let t = tasks[tid] else { throw Errno.noSuchProcess }
        guard let stub = t.stub else { throw Errno.invalidArgument }
        return stub
    }

    public func setEntryRegisters(_ tid: HostTID, ip: UInt64, sp: UInt64) throws(Errno) {
        guard var t = tasks[tid], t.stop != .running else { throw Errno.noSuchProcess }
        // As the kernel's start_thread: general registers zero, IF set, no segment bases.
        var r = t.regs
        r.r15 = 0; r.r14 = 0; r.r13 = 0; r.r12 = 0; r.rbp = 0; r.rbx = 0; r.r11 = 0; r.r10 = 0
        r.r9 = 0; r.r8 = 0; r.rax = 0; r.rcx = 0; r.rdx = 0; r.rsi = 0; r.rdi = 0
        r.orig_rax = UInt64.max     // no syscall-restart logic on the way out
        r.eflags = 0x200
        r.fs_base = 0; r.gs_base = 0; r.ds = 0; r.es = 0; r.fs = 0; r.gs = 0
        r.rip = ip; r.rsp = sp
        try setRegs(tid, r)
        t.regs = r
        t.consumedNr = nil
        tasks[tid] = t
    }

    public func virtualTID(_ tid: HostTID) -> Int32? {
        guard let v = ProcStatus.field(tid, "NSpid:")?.last else { return nil }
        return Int32(truncatingIfNeeded: v)
    }

    public func signalThread(tgid: HostTID, tid: HostTID, signal: Int32) throws(Errno) {
        try Self.check(chusk_tgkill(tgid, tid, signal))
    }

    public func traceeRequest(_ tid: HostTID, _ request: TraceeRequest, addr: UInt64, data: UnsafeMutableRawPointer?) throws(Errno) {
        guard var t = tasks[tid], t.stop != .running else { throw Errno.noSuchProcess }
        switch request {
        case .singleStep:
            let sig = UInt(bitPattern: Int(bitPattern: data))
            try Self.check(chusk_ptrace(request.rawValue, tid, 0, sig))
            t.stop = .running
            t.consumedNr = nil
            tasks[tid] = t
        case .pokeText, .pokeData, .pokeUser:
            let word = data.map { UInt($0.load(as: UInt64.self)) } ?? 0
            try Self.check(chusk_ptrace(request.rawValue, tid, UInt(addr), word))
            if request == .pokeUser { try getRegs(tid, &tasks[tid]!.regs) }
        default:
            try Self.check(chusk_ptrace_data(request.rawValue, tid, UInt(addr), data))
            // The registers the Platform restores after an injection follow the tracer's.
            if request == .setRegs || request == .setFPRegs { try getRegs(tid, &tasks[tid]!.regs) }
        }
    }

    public func peekSignals(_ tid: HostTID, args: UnsafeMutableRawPointer, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        guard let t = tasks[tid], t.stop != .running else { throw Errno.noSuchProcess }
        let r = chusk_ptrace_data(TraceeRequest.peekSigInfo.rawValue, tid, UInt(bitPattern: args), buffer.baseAddress)
        try Self.check(r)
        return r
    }

    public func setSyscallTracing(_ tid: HostTID, _ on: Bool) {
        tasks[tid]?.traceSyscalls = on
    }

    public func interrupt(_ tid: HostTID) throws(Errno) {
        guard tasks[tid] != nil else { throw Errno.noSuchProcess }
        try Self.check(chusk_ptrace(Int(CHUSK_PTRACE_INTERRUPT), tid, 0, 0))
        interrupts.insert(tid)
    }

    public func setOwnSeccompFilters(_ tid: HostTID) {
        tasks[tid]?.ownFilters = true
    }

    /// Forgets a task that the Sentry killed and reaped itself (normally `.exited` does it).
    public func forget(_ tid: HostTID) { tasks[tid] = nil; earlyStarts.remove(tid) }
}
