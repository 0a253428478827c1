// seccomp(2) and prctl's PR_SET_SECCOMP/PR_GET_SECCOMP: the program's own filters, checked and
// kept by the Sentry (Kernel/SeccompFilter.swift) and installed on the host task by an injected
// seccomp whose flags the Sentry chooses; and what the Sentry does at a stop of a filtered task
// (the host answers ERRNO, TRAP and KILL itself; TRACE is the Sentry's to route).
// docs/security.md, "The program's own seccomp filters".

import Glibc
import LinuxABI
import Platform
import SystemPackage

enum SysSeccomp {
    /// seccomp(2).
    static func seccomp(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let flags = UInt64(a.uint(1))
        switch Int32(bitPattern: a.uint(0)) {
        case Seccomp.SET_MODE_STRICT:
            guard flags == 0, a[2] == 0 else { return .error(.invalidArgument) }
            return setStrict(t)
        case Seccomp.SET_MODE_FILTER:
            return setFilter(t, flags: flags, program: a[2])
        case Seccomp.GET_ACTION_AVAIL:
            guard flags == 0 else { return .error(.invalidArgument) }
            do {
                let action = try t.copyInValue(a[2], as: UInt32.self)
                return Seccomp.knownActions.contains(action) ? .zero : .error(.notSupported)
            } catch { return .error(error) }
        case Seccomp.GET_NOTIF_SIZES:
            // struct seccomp_notif_sizes: seccomp_notif, seccomp_notif_resp, seccomp_data.
            guard flags == 0 else { return .error(.invalidArgument) }
            var sizes: [UInt8] = []
            for v: UInt16 in [80, 24, 64] { withUnsafeBytes(of: v.littleEndian) { sizes += $0 } }
            do { try t.copyOut(a[2], sizes) } catch { return .error(error) }
            return .zero
        default:
            return .error(.invalidArgument)
        }
    }

    /// prctl(PR_SET_SECCOMP, mode, prog) and prctl(PR_GET_SECCOMP).
    static func prctl(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if a.int(0) == Prctl.PR_GET_SECCOMP { return .value(Int64(t.seccomp.mode)) }
        switch a.long(1) {
        case Int64(Seccomp.MODE_STRICT): return setStrict(t)
        case Int64(Seccomp.MODE_FILTER): return setFilter(t, flags: 0, program: a[2])
        default: return .error(.invalidArgument)
        }
    }

    /// SECCOMP_SET_MODE_STRICT: installed as the equivalent filter; the Sentry kills the task
    /// at any other call, as strict mode does.
    static func setStrict(_ t: Task) -> SyscallReturn {
        if t.seccomp.mode == Seccomp.MODE_STRICT { return .zero }
        guard t.seccomp.mode == Seccomp.MODE_DISABLED else { return .error(.invalidArgument) }
        let filter = SeccompFilter.strictMode()
        if let e = install(t, filter, hostFlags: 0) { return .error(e) }
        t.seccomp = SeccompState(mode: Seccomp.MODE_STRICT, filters: [filter])
        t.platform.setOwnSeccompFilters(t.hostTID)
        return .zero
    }

    /// SECCOMP_SET_MODE_FILTER, in seccomp_set_mode_filter's order of checks.
    static func setFilter(_ t: Task, flags: UInt64, program: UInt64) -> SyscallReturn {
        guard flags & ~Seccomp.knownFlags == 0 else { return .error(.invalidArgument) }
        if flags & Seccomp.FLAG_TSYNC != 0 && flags & Seccomp.FLAG_NEW_LISTENER != 0 && flags & Seccomp.FLAG_TSYNC_ESRCH == 0 {
            return .error(.invalidArgument)
        }
        if flags & Seccomp.FLAG_WAIT_KILLABLE_RECV != 0 && flags & Seccomp.FLAG_NEW_LISTENER == 0 { return .error(.invalidArgument) }
        let filter: SeccompFilter
        do {
            // struct sock_fprog: len (u16) @0, filter pointer @8.
            let header = try t.copyInBytes(program, count: 16)
            let count = Int(header[0]) | Int(header[1]) << 8
            let pointer = header[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard count > 0, count <= Seccomp.maxInstructions, pointer != 0 else { return .error(.invalidArgument) }
            filter = try SeccompFilter(bytes: t.copyInBytes(pointer, count: count * 8), log: flags & Seccomp.FLAG_LOG != 0)
        } catch { return .error(error) }
        // A user notification fd would be a host fd with the Sentry's view of the task behind
        // it: refused (a filter's RET_USER_NOTIF then answers ENOSYS, as without a listener).
        if flags & Seccomp.FLAG_NEW_LISTENER != 0 { return .error(.invalidArgument) }
        guard t.seccomp.mode != Seccomp.MODE_STRICT else { return .error(.invalidArgument) }
        guard t.seccomp.admits(instructions: filter.program.count) else { return .error(.noMemory) }
        if flags & Seccomp.FLAG_TSYNC != 0 {
            // seccomp_can_sync_threads: every other thread's filters are an ancestor of ours.
            if let other = t.group.threads.first(where: { $0 !== t && !t.seccomp.descends(from: $0.seccomp) }) {
                return flags & Seccomp.FLAG_TSYNC_ESRCH != 0 ? .error(.noSuchProcess) : .value(Int64(other.tid))
            }
        }
        if let e = install(t, filter, hostFlags: flags & (Seccomp.FLAG_TSYNC | Seccomp.FLAG_LOG | Seccomp.FLAG_SPEC_ALLOW | Seccomp.FLAG_TSYNC_ESRCH)) {
            return .error(e)
        }
        var state = t.seccomp
        state.mode = Seccomp.MODE_FILTER
        state.filters.append(filter)
        for thread in flags & Seccomp.FLAG_TSYNC != 0 ? t.group.threads : [t] {
            thread.seccomp = state
            t.platform.setOwnSeccompFilters(thread.hostTID)
        }
        return .zero
    }

    /// The OCI runtime's linux.seccomp (compiled by husk create): checked as a program's own
    /// filter and installed before the program's first instruction. nil, or what failed.
    static func installFirst(_ t: Task, program: [UInt8], flags: UInt64) -> Errno? {
        let filter: SeccompFilter
        do { filter = try SeccompFilter(bytes: program, log: flags & Seccomp.FLAG_LOG != 0) } catch { return error }
        if let e = install(t, filter, hostFlags: flags & (Seccomp.FLAG_LOG | Seccomp.FLAG_SPEC_ALLOW)) { return e }
        t.seccomp = SeccompState(mode: Seccomp.MODE_FILTER, filters: [filter])
        t.platform.setOwnSeccompFilters(t.hostTID)
        return nil
    }

    /// Installs `filter` on the host task: its instructions (the Sentry's copy, never the
    /// program's memory again) behind the gadget prologue, and a sock_fprog, go to the task's
    /// scratch page, and the task runs seccomp(SECCOMP_SET_MODE_FILTER, hostFlags, scratch).
    /// Every task already has no_new_privs on the host. Returns the errno it failed with.
    static func install(_ t: Task, _ filter: SeccompFilter, hostFlags: UInt64) -> Errno? {
        do {
            let scratch = try t.platform.scratchAddress(t.hostTID)
            let program = filter.hostProgram(gadgetReturn: StubELF.gadgetAddress + 2)
            var image = [UInt8](repeating: 0, count: 16)
            withUnsafeBytes(of: UInt16(program.count / 8).littleEndian) { image.replaceSubrange(0..<2, with: $0) }
            withUnsafeBytes(of: (scratch + 16).littleEndian) { image.replaceSubrange(8..<16, with: $0) }
            try t.copyOut(scratch, image + program)
            let r = try t.platform.injectSyscall(t.hostTID, SyscallNumber.seccomp, [UInt64(Seccomp.SET_MODE_FILTER), hostFlags, scratch])
            // A positive result is a thread TSYNC could not move; the Sentry's records said it
            // could, so they and the host disagree: refuse rather than guess.
            if r > 0 { return .resourceTemporarilyUnavailable }
            if r < 0 { return Errno(rawValue: Int32(truncatingIfNeeded: -r)) }
            return nil
        } catch { return error }
    }
}

extension Kernel {
    /// A stop of a task under its own filters, before the call is served: the Sentry runs the
    /// program's filters on its own copy (never trusting the host's event message) and acts on
    /// what Linux would. Returns true when the call was dealt with here.
    func applyProgramFilters(_ task: Task, _ args: SyscallArguments, recheck: Bool = false) -> Bool {
        if task.seccomp.mode == Seccomp.MODE_STRICT {
            if Seccomp.strictModeCalls.contains(args.number) { return false }
            // Strict mode's do_exit(SIGKILL); the host kills the whole process.
            try? platform.signalThread(tgid: task.group.hostTGID, tid: task.hostTID, signal: SIGKILL)
            complete(task, args, .error(.noFunction))
            return true
        }
        let ret = task.seccomp.evaluate(SeccompData(args))
        let data = ret & Seccomp.dataMask
        switch ret & Seccomp.actionMask {
        case Seccomp.RET_ALLOW, Seccomp.RET_LOG:
            return false
        case Seccomp.RET_TRACE:
            // After the tracer's stop, the recheck counts a TRACE as allowed.
            if recheck { return false }
            if let link = ptrace.link(task), link.exitStatus == nil, link.options & Ptrace.O_TRACESECCOMP != 0 {
                if !platform.capabilities(at: task.hostTID).contains(.stoppedTask) {
                    // A user notification: issued again through ptrace, where it stops here again.
                    do { try platform.complete(task.hostTID, .reissueStopped) } catch { taskVanished(task.hostTID) }
                    return true
                }
                ptraceSeccompStop(task, args, data: data)
                return true
            }
            complete(task, args, .error(.noFunction))      // no tracer to ask: ENOSYS
        case Seccomp.RET_ERRNO:
            let e = min(data, 4095)
            complete(task, args, e == 0 ? .zero : .error(Errno(rawValue: Int32(e))))
        case Seccomp.RET_USER_NOTIF:
            complete(task, args, .error(.noFunction))      // no listener (NEW_LISTENER is refused)
        case Seccomp.RET_TRAP:
            // force_sig_seccomp after syscall_rollback: the handler sees the call's own number in rax.
            var info = SigInfo(si_signo: SIGSYS, si_errno: Int32(data), si_code: Seccomp.SYS_SECCOMP)
            info.si_call_addr = args.regs.ip
            info.si_syscall = Int32(truncatingIfNeeded: args.number)
            info.si_arch = Seccomp.auditArchX86_64
            try? sendSignal(SIGSYS, to: task, info: info)
            complete(task, args, .value(Int64(args.number)))
        default:
            // KILL_THREAD, KILL_PROCESS or an unknown action. Only reached when the host's
            // verdict and the Sentry's differ (a tracer changed the call): the host cannot be
            // made to kill with SIGSYS from here, so the process gets SIGKILL.
            report("husk: sentry: task \(task.tid) killed by its own seccomp filter (\(syscallName(args.number) ?? "syscall \(args.number)"))")
            try? platform.signalThread(tgid: task.group.hostTGID, tid: task.hostTID, signal: SIGKILL)
            complete(task, args, .error(.noFunction))
        }
        return true
    }

    /// PTRACE_EVENT_SECCOMP for a tracer that asked for it (PTRACE_O_TRACESECCOMP): the task
    /// stays at its stop with the filter's data as the event message until the tracer resumes
    /// it (`seccompStopEnded`).
    func ptraceSeccompStop(_ task: Task, _ args: SyscallArguments, data: UInt32) {
        guard let link = ptrace.link(task), ptraceStop(task, code: SIGTRAP | (Ptrace.EVENT_SECCOMP << 8)) else {
            complete(task, args, .error(.noFunction))
            return
        }
        link.eventMessage = UInt64(data)
        link.syscallInfo = Ptrace.INFO_SECCOMP
        link.seccompCall = args
    }

    /// The tracer resumed a task from its seccomp stop: the call goes on with the registers the
    /// tracer left, as __seccomp_filter does after ptrace_event: nr -1 skips it (rax is the
    /// result), anything else meets the program's filters again (TRACE now allows) and is
    /// then served or run natively as any call.
    func seccompStopEnded(_ task: Task, _ stopped: SyscallArguments) {
        var regs = user_regs_struct()
        do { try platform.traceeRequest(task.hostTID, .getRegs, addr: 0, data: &regs) } catch {
            taskVanished(task.hostTID)
            return
        }
        let nr = Int(Int64(bitPattern: regs.orig_rax))
        if nr < 0 {
            complete(task, stopped, .value(Int64(bitPattern: regs.rax)))
            return
        }
        let args = SyscallArguments(SyscallRegisters(nr: nr, args: (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9),
                                                     ip: regs.rip, sp: regs.rsp))
        if applyProgramFilters(task, args, recheck: true) { return }
        serve(task, args, retry: false)
    }
}

extension SeccompData {
    /// The seccomp_data of a stopped call.
    init(_ args: SyscallArguments) {
        let r = args.regs
        self.init(nr: Int32(truncatingIfNeeded: r.nr), instructionPointer: r.ip,
                  args: [r.args.0, r.args.1, r.args.2, r.args.3, r.args.4, r.args.5])
    }
}
