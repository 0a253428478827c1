// The Platform contract: how the Sentry intercepts a task's system calls and acts on the task.
// It has two halves. `TaskLifecycle` (the first task, clone/exec/exit events, injection, fd
// installation, memory, signals) is what every platform shares; `SyscallChannel` (how a served
// call reaches the Sentry and how it continues: ptrace seccomp stops today) is the part a new
// platform (systrap, unotify) replaces. `ptrace` is the base implementation of both.
// Every method is called from the Sentry's one kernel thread (ptrace requests must come from
// the thread that attached the tracee).

import Glibc
import SystemPackage

/// A host thread id as the Sentry (one PID namespace up) sees it.
public typealias HostTID = Int32

/// The registers of a task stopped at a served syscall, as the Sentry needs them.
public struct SyscallRegisters: Sendable {
    public var nr: Int               // orig_rax
    public var args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)  // rdi rsi rdx r10 r8 r9
    public var ip: UInt64            // rip (after the syscall instruction)
    public var sp: UInt64            // rsp
    public init(nr: Int, args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64), ip: UInt64, sp: UInt64) {
        self.nr = nr; self.args = args; self.ip = ip; self.sp = sp
    }
    public func arg(_ i: Int) -> UInt64 {
        switch i { case 0: args.0; case 1: args.1; case 2: args.2; case 3: args.3; case 4: args.4; default: args.5 }
    }
}

/// What the Platform reports about a task. Decoded from waitpid statuses for ptrace.
public enum TaskEvent: Sendable {
    /// The task stopped at entry of a syscall the application filter sends to the Sentry.
    case syscall(HostTID, SyscallRegisters)
    /// A new task was created by clone/fork/vfork (the parent is stopped at the event; the
    /// child starts traced, and its first stop is reported as `.started`).
    case cloned(parent: HostTID, child: HostTID, kind: CloneKind)
    /// A traced child's first stop after creation.
    case started(HostTID)
    /// The task completed a host execve (of the stub image); the Loader now maps the program.
    /// `formerTID` differs from the task's tid when a non-leader thread exec'd.
    case execed(HostTID, formerTID: HostTID)
    /// PTRACE_EVENT_EXIT: the task is about to exit with this wait status.
    case exiting(HostTID, status: Int32)
    /// The task is gone (reaped by the tracer): a wait status as waitpid reports it.
    case exited(HostTID, status: Int32)
    /// The task is about to receive a signal (signal-delivery stop).
    case signalled(HostTID, signal: Int32)
    /// A group-stop (SIGSTOP/SIGTSTP…) took effect in the task.
    case groupStopped(HostTID, signal: Int32)
    /// A syscall-entry or syscall-exit stop, reported only while `setSyscallTracing` is on
    /// for the task (ptrace inside the sandbox: the program's tracer asked for PTRACE_SYSCALL).
    case syscallStop(HostTID, exit: Bool)
    /// The stop `interrupt` asked for.
    case interrupted(HostTID)
    /// PTRACE_EVENT_VFORK_DONE: a vfork parent, released by its child's exec or exit, stopped
    /// before it returns from vfork (`child` its host tid).
    case vforkDone(HostTID, child: HostTID)
}

public enum CloneKind: Sendable { case fork, vfork, clone }

/// How a served syscall continues: the effect the Sentry asks for, never the mechanism (which
/// registers change is the channel's business).
public enum SyscallCompletion: Sendable, Equatable {
    /// Skip the host call; the task sees `value` as the result (a negative errno for a failure).
    case skip(Int64)
    /// Let the host run the call as it is (it is allowed by the filter).
    case runNative
    /// Let the host run the same call with these six arguments instead (clone without
    /// CLONE_UNTRACED).
    case runNativeWith([UInt64])
    /// The call does not complete now: the task issues it again, with its original number and
    /// arguments, once a pending signal's handler returns (Linux's -ERESTARTSYS under
    /// SA_RESTART), or when it continues after a stop with no handler.
    /// Needs `PlatformCapabilities.restartSyscall`.
    case restart
    /// The call ends with EINTR, and the pending signal is delivered while the thread's signal
    /// mask is `mask`; the caller's own mask is back once the handler returns. What ppoll,
    /// pselect6 and epoll_pwait do with their sigmask argument.
    /// Needs `PlatformCapabilities.suspendUnderMask`.
    case suspendUnderMask(UInt64)
    /// The host runs the call with argument `index` (0-5) replaced by `value`: clone with
    /// CLONE_NEWIPC, whose namespace the Sentry makes itself, runs without the flag.
    /// Needs `PlatformCapabilities.rewriteArgument`.
    case runNativeWithArgument(index: Int, value: UInt64)
    /// The call is issued again, unchanged, so that it stops the task: a call that came
    /// without stopping it (a user notification) whose handler needs `.stoppedTask` for the
    /// file it names (a signalfd read injects rt_sigtimedwait). It then arrives as a new
    /// `.syscall` event with every capability. Needs `PlatformCapabilities.reissueStopped`.
    case reissueStopped
}

/// Completions a syscall channel can carry out beyond `.skip` and `.runNative`. The Sentry
/// asks for one only when the platform states it, and otherwise ends the call with EINTR
/// (Signals.swift), as Linux does for a handler without SA_RESTART.
public struct PlatformCapabilities: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `.restart`: ptrace rewinds rip to the syscall instruction with the number in rax.
    public static let restartSyscall = PlatformCapabilities(rawValue: 1 << 0)
    /// `.suspendUnderMask`: ptrace turns the call into a native rt_sigsuspend with the mask.
    public static let suspendUnderMask = PlatformCapabilities(rawValue: 1 << 1)
    /// `.runNativeWithArgument`: ptrace writes the argument register at the seccomp stop (the
    /// kernel then checks the changed call against the filter again).
    public static let rewriteArgument = PlatformCapabilities(rawValue: 1 << 2)
    /// The task is stopped under ptrace at this call: its registers can be read and written,
    /// calls injected, fds installed, and `.runNative`/`.runNativeWith` carried out. A call
    /// served from a seccomp user notification (unotify) has only its memory and `.skip`/`.restart`.
    public static let stoppedTask = PlatformCapabilities(rawValue: 1 << 3)
    /// `.reissueStopped`: unotify re-issues a notified call from the stub's gadget, where the
    /// filter sends it to ptrace (docs/platforms.md).
    public static let reissueStopped = PlatformCapabilities(rawValue: 1 << 4)
}

/// What the first application task starts as.
public struct FirstTaskSpec {
    /// argv/envp passed to the stub image's host execve.
    public var argv: [String]
    public var envp: [String]
    /// Host fds to place in the task at fixed numbers (e.g. the control socket and the stub
    /// memfd); every other fd is closed in the child before it runs.
    public var fixedFDs: [(hostFD: Int32, targetFD: Int32)]
    /// The host fd of the stub executable to execveat(AT_EMPTY_PATH).
    public var stubFD: Int32
    /// The task gets a mount namespace of its own in which the Sentry's /proc is detached and
    /// the root is read-only (the Sentry's tasks; tests that trace a fixture leave it off).
    public var hideMounts = false
    /// Host ids to run the task under instead of the Sentry's (see `TaskHostIdentity`).
    public var hostIDs: (uid: UInt32, gid: UInt32)? = nil
    public init(argv: [String], envp: [String], fixedFDs: [(hostFD: Int32, targetFD: Int32)], stubFD: Int32) {
        self.argv = argv; self.envp = envp; self.fixedFDs = fixedFDs; self.stubFD = stubFD
    }
}

/// The host identity of the application tasks. Under a Sentry that is root of the initial user
/// namespace they run as this uid and gid, which own nothing on the host, so that a task can
/// neither signal nor trace the Sentry; the Sentry then keeps CAP_KILL and CAP_SYS_PTRACE over
/// its own PID namespace. A rootless Sentry's user namespace maps one id only: its tasks share it.
public enum TaskHostIdentity {
    public static let uid: UInt32 = 2_147_483_646
    public static let gid: UInt32 = 2_147_483_646

    /// Whether the caller's user namespace maps both ids (read from /proc/self/{uid,gid}_map).
    public static func isMapped() -> Bool {
        func covers(_ path: String, _ id: UInt32) -> Bool {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return false }
            for line in buffer[..<n].split(separator: UInt8(ascii: "\n")) {
                let f = line.split(separator: UInt8(ascii: " ")).compactMap { UInt64(String(decoding: $0, as: UTF8.self)) }
                if f.count == 3 && UInt64(id) >= f[0] && UInt64(id) < f[0] + f[2] { return true }
            }
            return false
        }
        return covers("/proc/self/uid_map", uid) && covers("/proc/self/gid_map", gid)
    }
}

/// Host fd numbers the Sentry keeps in every task (unreachable by the program, whose fd
/// syscalls are all served).
public enum TaskHostFD {
    /// The task's end of the control socket over which `installFD` sends fds: 1000, or lower
    /// under a hard RLIMIT_NOFILE this process inherited below 1032 (husk run's caller ran
    /// `ulimit -n 700`), which the first task cannot raise without CAP_SYS_RESOURCE.
    public static let control: Int32 = {
        var rl = rlimit()
        return control(hardLimit: getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &rl) == 0 ? UInt64(rl.rlim_max) : UInt64.max)
    }()
    /// The stub executable (a memfd) that every execve re-executes.
    public static var stub: Int32 { control + 1 }

    /// `control` under a hard RLIMIT_NOFILE of `hardLimit`: the first task stages its fds
    /// above the stub's (up to 16 plus 8 spare) before moving them into place, so 32 numbers
    /// stay free above `control`; never below 16, where the start fails on the limit instead.
    public static func control(hardLimit: UInt64) -> Int32 {
        Int32(clamping: max(16, min(1000, Int64(clamping: hardLimit) - 32)))
    }
}

/// What the kernel set up when the stub image was exec'd: the Loader builds on it.
public struct StubImage: Sendable {
    /// The stack pointer at exec (points at argc of the stub's own tiny stack).
    public var stackPointer: UInt64
    /// AT_SYSINFO_EHDR: the vDSO the kernel mapped, reused by the program.
    public var vdsoBase: UInt64
    /// AT_RANDOM's 16 bytes live here in the stub's stack; the Loader may reuse or write its own.
    public var randomAddress: UInt64
    /// Where the stub ELF is mapped, and the page range the Loader must leave alone.
    public var stubBase: UInt64
    public var stubSize: UInt64
    public init(stackPointer: UInt64, vdsoBase: UInt64, randomAddress: UInt64, stubBase: UInt64, stubSize: UInt64) {
        self.stackPointer = stackPointer; self.vdsoBase = vdsoBase; self.randomAddress = randomAddress
        self.stubBase = stubBase; self.stubSize = stubSize
    }
}

/// The lifecycle half, shared by every platform: starting the first task, following it through
/// clone, exec, exit and signal stops, and acting on a stopped task (memory, injected calls,
/// installed fds, the stub image, signals). Its events (`.cloned`, `.started`, `.execed`,
/// `.exiting`, `.exited`, `.signalled`, `.groupStopped`) come through `Platform.nextEvent`.
public protocol TaskLifecycle: AnyObject {
    /// Forks the first application task (PID 1 of a fresh nested PID namespace), confines it
    /// (no capabilities, NO_NEW_PRIVS, application filter) and starts tracing it. Returns its
    /// host tid once it is stopped at its first exec event.
    func startFirstTask(_ spec: FirstTaskSpec) throws(Errno) -> HostTID

    /// Resumes a task stopped at any other event (clone, exec, exit, group stop, started),
    /// delivering `signal` when it is a signal-delivery stop (0 suppresses it).
    func resume(_ tid: HostTID, signal: Int32) throws(Errno)

    /// Keeps a task that entered a group-stop (SIGSTOP, SIGTSTP…) stopped, as the kernel would
    /// without a tracer, until SIGCONT; its real parent sees the stop through wait.
    func holdGroupStop(_ tid: HostTID) throws(Errno)

    /// Copies tracee memory. Short reads (unmapped memory) throw EFAULT.
    func readMemory(_ tid: HostTID, at address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(Errno)
    func writeMemory(_ tid: HostTID, at address: UInt64, from buffer: UnsafeRawBufferPointer) throws(Errno)

    /// Runs one syscall in a stopped task and returns its raw result (negative errno on
    /// failure). The task must be stopped at a syscall or exec event; its registers are
    /// restored afterwards. Pointer arguments refer to tracee memory: use `scratchAddress`.
    func injectSyscall(_ tid: HostTID, _ nr: Int, _ args: [UInt64]) throws(Errno) -> Int64

    /// A tracee address of scratch memory (at least `scratchSize` bytes) owned by the Sentry
    /// in the task's address space, valid until the task's next exec.
    func scratchAddress(_ tid: HostTID) throws(Errno) -> UInt64
    var scratchSize: Int { get }

    /// Installs a host fd into a stopped task and returns the task's new host fd number
    /// (close-on-exec). The Sentry closes it later with `injectSyscall(close)`.
    func installFD(_ tid: HostTID, _ hostFD: Int32) throws(Errno) -> Int32

    /// Closes an fd `installFD` put in the task (refuses the fds the Sentry keeps there).
    func closeInstalledFD(_ tid: HostTID, _ fd: Int32) throws(Errno)

    /// Sets the full register file of a stopped task for a program entry (after exec).
    func setEntryRegisters(_ tid: HostTID, ip: UInt64, sp: UInt64) throws(Errno)

    /// Replaces the stopped task's image with a fresh copy of the stub executable (host
    /// execveat of the stub memfd the task holds at `TaskHostFD.stub`), and returns the task's
    /// tid afterwards (a non-leader thread takes the leader's). The task is left stopped and
    /// ready for `injectSyscall`, `writeMemory` and `setEntryRegisters` (the Loader's work).
    /// A vfork parent sharing the old address space is released by the kernel.
    /// `argv` is what the host shows as the task's command line (ps on the host): the
    /// program's own arguments, cut to fit the scratch area.
    func execStub(_ tid: HostTID, argv: [[UInt8]]) throws(Errno) -> HostTID

    /// Facts about the stub image of a stopped task, read at its last exec.
    func stubImage(_ tid: HostTID) throws(Errno) -> StubImage

    /// The task's thread id in its own (nested) PID namespace, which is what the program sees.
    func virtualTID(_ tid: HostTID) -> Int32?

    /// At a signal-delivery stop, replaces the siginfo the handler will see (128 bytes), so a
    /// signal the Sentry sent with tgkill shows its real sender (SI_USER, the sender's pid).
    func setSignalInfo(_ tid: HostTID, _ info: UnsafeRawBufferPointer) throws(Errno)

    /// At a signal-delivery stop: the call the signal took the task out of before the Sentry
    /// ever saw it (unotify: a notification the Sentry had not received yet, which the kernel
    /// drops with -ERESTARTSYS, so the call ends in EINTR under a handler without SA_RESTART),
    /// or nil (none; always nil on ptrace, where a served call is never cut short by a signal).
    func unreceivedCall(_ tid: HostTID) -> SyscallRegisters?

    /// After `unreceivedCall`: the call is issued again once the handler returns, whatever
    /// SA_RESTART says (-ERESTARTNOINTR), as for a call Linux never interrupts.
    func restartUnreceivedCall(_ tid: HostTID) throws(Errno)

    /// Sends a signal to a host thread (tgkill from the Sentry).
    func signalThread(tgid: HostTID, tid: HostTID, signal: Int32) throws(Errno)

    /// ptrace inside the sandbox: a request the Sentry makes for the program's tracer on a
    /// task it holds stopped (docs/sentry.md, "ptrace inside the sandbox"). `data` is the
    /// request's buffer in the Sentry (a word for PEEK*/POKE*, user_regs_struct, the FXSAVE
    /// area, a siginfo) or, for `.singleStep`, the signal to deliver. Returns the raw result.
    func traceeRequest(_ tid: HostTID, _ request: TraceeRequest, addr: UInt64, data: UnsafeMutableRawPointer?) throws(Errno)

    /// PTRACE_PEEKSIGINFO on a stopped task: `args` is a ptrace_peeksiginfo_args in the
    /// Sentry's memory, `buffer` room for its `nr` siginfos; returns how many were copied.
    func peekSignals(_ tid: HostTID, args: UnsafeMutableRawPointer, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int

    /// While on, the task stops at the entry and exit of every syscall, native ones included
    /// (`.syscallStop`), besides the served calls' stops.
    func setSyscallTracing(_ tid: HostTID, _ on: Bool)

    /// Makes a running task stop (`.interrupted`) as soon as it can; a task stopped already
    /// stops again right after it is resumed.
    func interrupt(_ tid: HostTID) throws(Errno)

    /// The task installed seccomp filters of its own (the Sentry's record of seccomp(2)). The
    /// Sentry's injections must not meet them: they run from the gadget, never in place of
    /// the task's own call at its seccomp stop (docs/security.md, "The program's own seccomp
    /// filters"). Kept across exec; a clone's child gets it from the Sentry.
    func setOwnSeccompFilters(_ tid: HostTID)
}

/// The host ptrace requests the Sentry passes on for the program's tracer (numbers of
/// linux/ptrace.h); nothing else reaches the host from a program's ptrace.
public enum TraceeRequest: Int, Sendable {
    case peekText = 1, peekData = 2, peekUser = 3, pokeText = 4, pokeData = 5, pokeUser = 6
    case singleStep = 9
    case getRegs = 12, setRegs = 13, getFPRegs = 14, setFPRegs = 15
    case getSigInfo = 0x4202, setSigInfo = 0x4203
    /// PTRACE_PEEKSIGINFO (`addr` the Sentry's ptrace_peeksiginfo_args, `data` its buffer),
    /// PTRACE_GETSIGMASK and SETSIGMASK (`addr` 8, `data` the mask).
    case peekSigInfo = 0x4209, getSigMask = 0x420a, setSigMask = 0x420b
}

extension TaskLifecycle {
    public func execStub(_ tid: HostTID) throws(Errno) -> HostTID { try execStub(tid, argv: []) }
}

/// The syscall channel, the part a new platform replaces: how a call the application filter
/// sends to the Sentry is reported (`TaskEvent.syscall`) and how it continues. ptrace reports
/// seccomp stops and completes them by writing registers.
public protocol SyscallChannel: AnyObject {
    /// The completions beyond `.skip` and `.runNative` this channel can carry out for a call
    /// that stopped the task (ptrace).
    var capabilities: PlatformCapabilities { get }

    /// What the channel can do for the call task `tid` is in now: `capabilities`, or less for a
    /// call that reached the Sentry without stopping the task (a user notification).
    func capabilities(at tid: HostTID) -> PlatformCapabilities

    /// Continues a task stopped at a served syscall. A completion outside `capabilities`
    /// throws ENOTSUP and leaves the task stopped.
    func complete(_ tid: HostTID, _ completion: SyscallCompletion) throws(Errno)
}

extension SyscallChannel {
    /// A channel whose calls all stop the task answers the same for every call.
    public func capabilities(at tid: HostTID) -> PlatformCapabilities { capabilities }
}

/// A whole platform: both halves, and the one event stream that merges their events.
public protocol Platform: TaskLifecycle, SyscallChannel {
    /// A host fd that becomes readable when `nextEvent` may have something (a signalfd for
    /// SIGCHLD under ptrace). The Sentry puts it in its epoll set.
    var eventFD: Int32 { get }

    /// The next pending event of either half, or nil when none is pending (never blocks).
    func nextEvent() -> TaskEvent?

    /// Host fds the Sentry's epoll set holds directly besides `eventFD`, once the first task
    /// exists (unotify's listener: a wake-up through a nested epoll would lose
    /// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP's same-CPU hint). Readiness of one means the same as
    /// `eventFD`'s.
    var lateEventFDs: [Int32] { get }
}

extension Platform {
    public var lateEventFDs: [Int32] { [] }
}
