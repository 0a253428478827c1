// ptrace inside the sandbox: who traces whom, the stops a tracer waits for, and the kernel's
// hooks that turn a tracee's host stops into them (docs/sentry.md, "ptrace inside the
// sandbox"). The host tracer of every task stays the Sentry; a program's tracer is emulated:
// a tracee the Sentry reports to its tracer stays stopped on the host until the tracer
// resumes it through ptrace(2), served in Syscalls/SysPtrace.swift.

import Glibc
import LinuxABI
import Platform

/// linux/ptrace.h numbers the Sentry uses.
enum Ptrace {
    static let TRACEME: Int64 = 0, PEEKTEXT: Int64 = 1, PEEKDATA: Int64 = 2, PEEKUSER: Int64 = 3
    static let POKETEXT: Int64 = 4, POKEDATA: Int64 = 5, POKEUSER: Int64 = 6, CONT: Int64 = 7
    static let KILL: Int64 = 8, SINGLESTEP: Int64 = 9, GETREGS: Int64 = 12, SETREGS: Int64 = 13
    static let GETFPREGS: Int64 = 14, SETFPREGS: Int64 = 15, ATTACH: Int64 = 16, DETACH: Int64 = 17
    static let SYSCALL: Int64 = 24, SETOPTIONS: Int64 = 0x4200, GETEVENTMSG: Int64 = 0x4201
    static let GETSIGINFO: Int64 = 0x4202, SETSIGINFO: Int64 = 0x4203, GETREGSET: Int64 = 0x4204
    static let SETREGSET: Int64 = 0x4205, SEIZE: Int64 = 0x4206, INTERRUPT: Int64 = 0x4207, LISTEN: Int64 = 0x4208

    static let O_TRACESYSGOOD: UInt64 = 1, O_TRACEFORK: UInt64 = 2, O_TRACEVFORK: UInt64 = 4
    static let O_TRACECLONE: UInt64 = 8, O_TRACEEXIT: UInt64 = 0x40, O_TRACEVFORKDONE: UInt64 = 0x20
    static let O_TRACEEXEC: UInt64 = 0x10, O_TRACESECCOMP: UInt64 = 0x80, O_EXITKILL: UInt64 = 0x10_0000
    static let GET_SYSCALL_INFO: Int64 = 0x420e, PEEKSIGINFO: Int64 = 0x4209
    static let GETSIGMASK: Int64 = 0x420a, SETSIGMASK: Int64 = 0x420b
    /// PTRACE_O_MASK: every option bit Linux accepts.
    static let O_MASK: UInt64 = 0x0000_00ff | 0x0010_0000 | 0x0020_0000
    static let EVENT_FORK: Int32 = 1, EVENT_VFORK: Int32 = 2, EVENT_CLONE: Int32 = 3
    static let EVENT_EXEC: Int32 = 4, EVENT_VFORK_DONE: Int32 = 5, EVENT_EXIT: Int32 = 6, EVENT_SECCOMP: Int32 = 7, EVENT_STOP: Int32 = 128
    /// PTRACE_SYSCALL_INFO_* (the op of GET_SYSCALL_INFO), which a syscall stop also leaves as
    /// its event message (PTRACE_EVENTMSG_SYSCALL_ENTRY/EXIT).
    static let INFO_NONE: UInt8 = 0, INFO_ENTRY: UInt8 = 1, INFO_EXIT: UInt8 = 2, INFO_SECCOMP: UInt8 = 3

    /// The wait status of a stop: `code` is what Linux keeps in exit_code (a signal, with an
    /// event in bits 8-15), reported as (code << 8) | 0x7f.
    static func stopStatus(_ code: Int32) -> Int32 { (code << 8) | 0x7f }
}

/// One tracee's link to its tracer.
final class PtraceLink {
    /// The tracing thread (ptrace requests come from it) and its process (whose waits see
    /// the stops).
    weak var tracer: Task?
    let tracerGroup: ThreadGroup
    let seized: Bool
    var options: UInt64 = 0
    var eventMessage: UInt64 = 0
    /// The stop the tracee is in, as the tracer sees it (nil while it runs), and whether a
    /// wait already reported it.
    var stopCode: Int32?
    var reported = false
    /// The signal of a signal-delivery stop, which resuming delivers unless the tracer
    /// replaces or suppresses it.
    var deliveryStop = false
    /// A tracee that exited while the tracer is not its parent: its status, until waited for.
    var exitStatus: Int32?
    /// Resumed with PTRACE_SYSCALL: stops at every syscall entry and exit.
    var syscallStops = false
    /// Auto-attached by a fork/clone event: its first stop goes to the tracer.
    var pendingStart = false
    /// Stopped by PTRACE_INTERRUPT while parked in a served call: the host task stays where
    /// it is, and resuming only ends the stop the tracer sees.
    var heldInCall = false
    /// In a group stop (PTRACE_LISTEN's condition).
    var groupStop = false
    /// What PTRACE_GET_SYSCALL_INFO describes at this stop (INFO_NONE but at a syscall stop
    /// under TRACESYSGOOD, as Linux reads it from the stop's si_code).
    var syscallInfo: UInt8 = Ptrace.INFO_NONE
    /// At a PTRACE_EVENT_SECCOMP stop: the call as it stopped, which goes on when the tracer
    /// resumes the task (Kernel.seccompStopEnded).
    var seccompCall: SyscallArguments?

    init(tracer: Task, seized: Bool) {
        self.tracer = tracer
        self.tracerGroup = tracer.group
        self.seized = seized
    }
}

/// The kernel's ptrace links, by tracee, and the queue each tracing process waits on.
final class PtraceTable {
    /// By the tracee's host tid; an exited tracee stays until its tracer reaped the report.
    var links: [HostTID: (task: Task, link: PtraceLink)] = [:]
    private var queues: [ObjectIdentifier: WaitQueue] = [:]

    func link(_ task: Task) -> PtraceLink? {
        guard let e = links[task.hostTID], e.task === task else { return nil }
        return e.link
    }

    /// The queue a tracer's waits park on: notified by a tracee's stop and by a child's exit.
    func waitQueue(_ group: ThreadGroup) -> WaitQueue {
        if let q = queues[ObjectIdentifier(group)] { return q }
        let q = WaitQueue()
        queues[ObjectIdentifier(group)] = q
        return q
    }

    func isTracer(_ group: ThreadGroup) -> Bool {
        links.values.contains { $0.link.tracerGroup === group }
    }

    func tracees(of group: ThreadGroup) -> [(task: Task, link: PtraceLink)] {
        links.values.filter { $0.link.tracerGroup === group }.sorted { $0.task.tid < $1.task.tid }
    }

    func notify(_ group: ThreadGroup) {
        queues[ObjectIdentifier(group)]?.notify(PollEvents.input)
    }

    func forget(_ group: ThreadGroup) { queues[ObjectIdentifier(group)] = nil }
}

extension Kernel {
    /// Makes `tracer` trace `tracee` (TRACEME, ATTACH, SEIZE).
    func ptraceLink(_ tracee: Task, to tracer: Task, seized: Bool, options: UInt64) {
        let link = PtraceLink(tracer: tracer, seized: seized)
        link.options = options
        ptrace.links[tracee.hostTID] = (tracee, link)
    }

    /// Holds `task` stopped for its tracer with `code` (its exit_code) and wakes the tracer's
    /// waits. Returns false when the task is not traced (the caller resumes it as before).
    func ptraceStop(_ task: Task, code: Int32, delivery: Bool = false) -> Bool {
        guard let link = ptrace.link(task) else { return false }
        link.stopCode = code
        link.reported = false
        link.deliveryStop = delivery
        link.groupStop = false
        link.heldInCall = false
        link.syscallInfo = Ptrace.INFO_NONE
        link.seccompCall = nil
        ptrace.notify(link.tracerGroup)
        // The tracer's SIGCHLD (CLD_TRAPPED), which the host does not send for these stops
        // (do_notify_parent_cldstop). A thread parked in a wait gets it after its wait
        // returns the stop, as in Linux; otherwise it wakes a parked thread like any signal.
        let g = link.tracerGroup
        var info = SigInfo(si_signo: SIGCHLD, si_errno: 0, si_code: 4)     // CLD_TRAPPED
        info.si_pid = task.tid
        info.si_uid = task.creds.uid
        info.si_status = code
        if let waiting = g.threads.first(where: { isWaitingForChildren($0) }) {
            try? platform.signalThread(tgid: g.hostTGID, tid: waiting.hostTID, signal: SIGCHLD)
            if waiting.pendingSignalInfo[SIGCHLD] == nil { waiting.pendingSignalInfo[SIGCHLD] = info }
        } else {
            try? sendSignal(SIGCHLD, toGroup: g, info: info)
        }
        return true
    }

    /// A signal-delivery stop of a traced task: reported to the tracer, who decides the signal.
    func ptraceSignalStop(_ task: Task, _ signal: Int32) -> Bool {
        if signal == SIGKILL { return false }
        return ptraceStop(task, code: signal, delivery: true)
    }

    /// A group stop (SIGSTOP, SIGTSTP…) of a traced task: reported as a stop, held until the
    /// tracer resumes it.
    func ptraceGroupStop(_ task: Task, _ signal: Int32) -> Bool {
        guard let link = ptrace.link(task) else { return false }
        _ = ptraceStop(task, code: link.seized ? signal | (Ptrace.EVENT_STOP << 8) : signal)
        link.groupStop = true
        return true
    }

    /// A syscall-entry or -exit stop under PTRACE_SYSCALL: SIGTRAP, | 0x80 under TRACESYSGOOD;
    /// its event message says entry or exit.
    func ptraceSyscallStop(_ task: Task, exit: Bool) -> Bool {
        guard let link = ptrace.link(task), link.syscallStops else { return false }
        let good = link.options & Ptrace.O_TRACESYSGOOD != 0
        guard ptraceStop(task, code: SIGTRAP | (good ? 0x80 : 0)) else { return false }
        let op = exit ? Ptrace.INFO_EXIT : Ptrace.INFO_ENTRY
        link.eventMessage = UInt64(op)
        if good { link.syscallInfo = op }
        return true
    }

    /// PTRACE_EVENT_VFORK_DONE under PTRACE_O_TRACEVFORKDONE, the child's pid as its message.
    func ptraceVforkDone(_ task: Task, child: Int32) -> Bool {
        guard let link = ptrace.link(task), link.options & Ptrace.O_TRACEVFORKDONE != 0 else { return false }
        link.eventMessage = UInt64(UInt32(bitPattern: child))
        return ptraceStop(task, code: SIGTRAP | (Ptrace.EVENT_VFORK_DONE << 8))
    }

    /// The stop PTRACE_INTERRUPT asked for (PTRACE_EVENT_STOP).
    func ptraceInterruptStop(_ task: Task) -> Bool {
        guard ptrace.link(task) != nil else { return false }
        return ptraceStop(task, code: SIGTRAP | (Ptrace.EVENT_STOP << 8))
    }

    /// A traced parent's fork, vfork or clone under the matching option: the child is traced
    /// by the same tracer with the same options, and the parent stops at the event with the
    /// child's pid as its message. Returns true when the parent stays stopped.
    func ptraceClone(_ parent: Task, childTID: HostTID, kind: CloneKind) -> Bool {
        guard let link = ptrace.link(parent), let tracer = link.tracer, let child = tasks[childTID] else { return false }
        let (option, event): (UInt64, Int32)
        switch kind {
        case .fork: (option, event) = (Ptrace.O_TRACEFORK, Ptrace.EVENT_FORK)
        case .vfork: (option, event) = (Ptrace.O_TRACEVFORK, Ptrace.EVENT_VFORK)
        case .clone: (option, event) = (Ptrace.O_TRACECLONE, Ptrace.EVENT_CLONE)
        }
        guard link.options & option != 0 else { return false }
        ptraceLink(child, to: tracer, seized: link.seized, options: link.options)
        ptrace.link(child)?.pendingStart = true
        link.eventMessage = UInt64(UInt32(bitPattern: child.tid))
        return ptraceStop(parent, code: SIGTRAP | (event << 8))
    }

    /// An auto-attached child's first stop: PTRACE_EVENT_STOP when seized, else the SIGSTOP
    /// Linux sends it.
    func ptraceStartStop(_ task: Task) -> Bool {
        guard let link = ptrace.link(task), link.pendingStart else { return false }
        link.pendingStart = false
        return link.seized ? ptraceStop(task, code: SIGTRAP | (Ptrace.EVENT_STOP << 8)) : ptraceStop(task, code: SIGSTOP, delivery: true)
    }

    /// PTRACE_EVENT_EXIT under PTRACE_O_TRACEEXIT, the wait status as its message.
    func ptraceExitStop(_ task: Task, status: Int32) -> Bool {
        guard let link = ptrace.link(task), link.options & Ptrace.O_TRACEEXIT != 0 else { return false }
        link.eventMessage = UInt64(UInt32(bitPattern: status))
        return ptraceStop(task, code: SIGTRAP | (Ptrace.EVENT_EXIT << 8))
    }

    /// After a traced task's execve: PTRACE_EVENT_EXEC under PTRACE_O_TRACEEXEC, else (not
    /// seized) a SIGTRAP, as Linux's ptrace_event(PTRACE_EVENT_EXEC). Returns true when the
    /// task stays stopped.
    func ptraceExec(_ task: Task, formerTID: Int32) -> Bool {
        guard let link = ptrace.link(task) else { return false }
        if link.options & Ptrace.O_TRACEEXEC != 0 {
            link.eventMessage = UInt64(UInt32(bitPattern: formerTID))
            return ptraceStop(task, code: SIGTRAP | (Ptrace.EVENT_EXEC << 8))
        }
        if !link.seized {
            try? platform.signalThread(tgid: task.group.hostTGID, tid: task.hostTID, signal: SIGTRAP)
        }
        return false
    }

    /// A tracer thread or a tracee is gone: its links go (a tracee whose tracer is not its
    /// parent keeps its exit report until the tracer waits); tracees of a dead tracer are
    /// resumed, or killed under PTRACE_O_EXITKILL.
    func ptraceTaskExited(_ task: Task, status: Int32) {
        if let link = ptrace.link(task) {
            let group = task.group
            // The host tells the parent of its child's exit; any other tracee's exit (a
            // thread, a grandchild) is the tracer's to wait for.
            if !(task.hostTID == group.hostTGID && group.parent === link.tracerGroup) {
                link.exitStatus = status
                link.stopCode = nil
                link.reported = false
            } else {
                ptrace.links[task.hostTID] = nil
            }
            ptrace.notify(link.tracerGroup)
        }
        for (key, entry) in ptrace.links where entry.link.tracer == nil || entry.link.tracer === task {
            ptrace.links[key] = nil
            if entry.link.exitStatus != nil { continue }
            if entry.link.options & Ptrace.O_EXITKILL != 0 {
                try? platform.signalThread(tgid: entry.task.group.hostTGID, tid: entry.task.hostTID, signal: SIGKILL)
            }
            if entry.link.stopCode != nil { try? platform.resume(entry.task.hostTID, signal: 0) }
        }
        if task.group.threads.isEmpty { ptrace.forget(task.group) }
        if let parent = task.group.parent { ptrace.notify(parent) }
    }

    /// A thread parked in wait4 or waitid: a child's stop or exit completes its wait before
    /// the SIGCHLD handler runs, as in Linux, so the signal must not interrupt it.
    func isWaitingForChildren(_ task: Task) -> Bool {
        guard let nr = task.parked?.args.number else { return false }
        return nr == SyscallNumber.wait4 || nr == SyscallNumber.waitid
    }

    /// The tracer of `task` as /proc/PID/status's TracerPid shows it (0 when untraced).
    public func tracerPID(_ task: Task) -> Int32 {
        guard let link = ptrace.link(task), link.exitStatus == nil else { return 0 }
        return link.tracerGroup.pid
    }
}
