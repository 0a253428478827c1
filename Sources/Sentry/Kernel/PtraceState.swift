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

    static let O_TRACEEXEC: UInt64 = 0x10, O_EXITKILL: UInt64 = 0x10_0000
    /// PTRACE_O_MASK: every option bit Linux accepts.
    static let O_MASK: UInt64 = 0x0000_00ff | 0x0010_0000 | 0x0020_0000
    static let EVENT_EXEC: Int32 = 4

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
    /// ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS): the same process, or the caller's real
    /// uid and gid match the target's real, effective and saved ones, or CAP_SYS_PTRACE.
    /// (Yama is not emulated; the dumpable flag is not kept yet.)
    func mayTrace(_ caller: Task, _ target: Task) -> Bool {
        if caller.group === target.group { return true }
        let c = caller.creds, t = target.creds
        if c.uid == t.uid && c.uid == t.euid && c.uid == t.suid && c.gid == t.gid && c.gid == t.egid && c.gid == t.sgid {
            return true
        }
        return c.has(Capability.sysPtrace)
    }

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
        ptrace.notify(link.tracerGroup)
        // The tracer's SIGCHLD (CLD_TRAPPED), which the host does not send for these stops;
        // ignored by default, so it only matters to a handler.
        let g = link.tracerGroup
        if g.signalActions[Int(SIGCHLD)].handler > 1 {
            if let parked = g.threads.first(where: { $0.parked != nil && !blocks($0, SIGCHLD) }) {
                signalPending(SIGCHLD, on: parked)
            } else if let leader = g.threads.first {
                try? platform.signalThread(tgid: g.hostTGID, tid: leader.hostTID, signal: SIGCHLD)
            }
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
        return ptraceStop(task, code: link.seized ? signal | (128 << 8) : signal)
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
            if group.threads.isEmpty && group.parent !== link.tracerGroup && task.hostTID == group.hostTGID {
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

    /// The tracer of `task` as /proc/PID/status's TracerPid shows it (0 when untraced).
    public func tracerPID(_ task: Task) -> Int32 {
        guard let link = ptrace.link(task), link.exitStatus == nil else { return 0 }
        return link.tracerGroup.pid
    }
}
