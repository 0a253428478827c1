import CHusk
import Glibc
import LinuxABI
import Platform
import SystemPackage

/// Signal handlers: dispositions and sending (delivery and the wake-up of parked calls are the
/// Kernel's, Kernel/Signals.swift).
enum SysSignal {
    /// rt_sigaction(2): recorded for the Sentry's signal bookkeeping, then run natively so the
    /// host delivers the signal to the handler.
    static func rtSigaction(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let sig = a.int(0)
        guard sig >= 1 && sig <= 64, a[3] == 8 else { return .error(.invalidArgument) }
        if a[1] != 0 {
            guard sig != SIGKILL && sig != SIGSTOP else { return .error(.invalidArgument) }
            do {
                let act = try t.copyInStruct(a[1], as: KernelSigaction.self)
                var rec = SignalAction()
                rec.handler = act.sa_handler; rec.flags = act.sa_flags
                rec.restorer = act.sa_restorer; rec.mask = act.sa_mask
                t.group.signalActions[Int(sig)] = rec
            } catch { return .error(error) }
        }
        return .native
    }

    /// kill(2): reaches only the sandbox's own processes, with Linux's permission checks.
    static func kill(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let pid = a.int(0), sig = a.int(1)
        guard sig >= 0 && sig <= 64 else { return .error(.invalidArgument) }
        let k = t.kernel
        var targets: [ThreadGroup]
        if pid > 0 {
            // Any thread's id names its process (find_vpid); an unreaped zombie is still found.
            guard let g = k.threadGroup(pid: pid) ?? k.groupOfThread(pid) else {
                return k.signalZombie(t, pid: pid) ?? .error(.noSuchProcess)
            }
            targets = [g]
        } else if pid == -1 {
            // Everyone but init and the caller's own process, as Linux's kill(-1).
            targets = k.threadGroups.values.filter { $0.pid != 1 && $0 !== t.group }
        } else {
            guard pid != Int32.min else { return .error(.noSuchProcess) }
            let pgid = pid == 0 ? k.processGroup(of: t.group) : -pid
            targets = k.threadGroups.values.filter { k.processGroup(of: $0) == pgid }
        }
        if targets.isEmpty { return .error(.noSuchProcess) }
        let permitted = targets.filter { k.mayKill(t, $0) }
        if permitted.isEmpty { return .error(.notPermitted) }
        if sig == 0 { return .zero }
        var delivered = false
        let info = Kernel.senderInfo(sig, code: SigCode.SI_USER, from: t)
        for g in permitted {
            if (try? k.sendSignal(sig, toGroup: g, info: info)) != nil { delivered = true }
        }
        return delivered ? .zero : .error(.noSuchProcess)
    }

    /// tgkill(2).
    static func tgkill(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        signalThread(t, tgid: a.int(0), tid: a.int(1), sig: a.int(2))
    }

    /// tkill(2).
    static func tkill(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        signalThread(t, tgid: nil, tid: a.int(0), sig: a.int(1))
    }

    static func signalThread(_ t: Task, tgid: Int32?, tid: Int32, sig: Int32) -> SyscallReturn {
        guard tid > 0, tgid.map({ $0 > 0 }) ?? true, sig >= 0 && sig <= 64 else { return .error(.invalidArgument) }
        guard let target = t.kernel.tasks.values.first(where: { $0.tid == tid && (tgid == nil || $0.group.pid == tgid) }) else {
            // A zombie's leader is still found by its id (do_send_specific).
            guard tgid == nil || tgid == tid else { return .error(.noSuchProcess) }
            return t.kernel.signalZombie(t, pid: tid) ?? .error(.noSuchProcess)
        }
        guard t.kernel.mayKill(t, target.group) else { return .error(.notPermitted) }
        if sig == 0 { return .zero }
        do { try t.kernel.sendSignal(sig, to: target, info: Kernel.senderInfo(sig, code: SigCode.SI_TKILL, from: t)) } catch { return .error(error) }
        return .zero
    }

    /// rt_sigqueueinfo(2): a process-directed signal with the caller's siginfo.
    static func rtSigqueueinfo(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        queueInfo(t, tgid: a.int(0), tid: nil, sig: a.int(1), infoAddress: a[2])
    }

    /// rt_tgsigqueueinfo(2): the same, to one thread.
    static func rtTgsigqueueinfo(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        queueInfo(t, tgid: a.int(0), tid: a.int(1), sig: a.int(2), infoAddress: a[3])
    }

    static func queueInfo(_ t: Task, tgid: Int32, tid: Int32?, sig: Int32, infoAddress: UInt64) -> SyscallReturn {
        guard sig >= 0 && sig <= 64, tgid > 0, tid.map({ $0 > 0 }) ?? true else { return .error(.invalidArgument) }
        do {
            var info = try t.copyInStruct(infoAddress, as: SigInfo.self)
            let k = t.kernel
            // Only a thread signalling itself (task_pid_vnr(current): its own thread id) may forge
            // kernel or tkill codes, checked first, as Linux.
            if (info.si_code >= 0 || info.si_code == SigCode.SI_TKILL) && (tid ?? tgid) != t.tid { return .error(.notPermitted) }
            // rt_sigqueueinfo's pid may be any thread's id; an unreaped zombie is still found.
            guard let group = k.threadGroup(pid: tgid) ?? (tid == nil ? k.groupOfThread(tgid) : nil) else {
                guard tid == nil || tid == tgid else { return .error(.noSuchProcess) }
                return k.signalZombie(t, pid: tgid) ?? .error(.noSuchProcess)
            }
            let target: Task? = tid.map { id in group.threads.first { $0.tid == id } } ?? nil
            if tid != nil && target == nil { return .error(.noSuchProcess) }
            guard k.mayKill(t, group) else { return .error(.notPermitted) }
            if sig == 0 { return .zero }
            if group === t.group { return .native }   // the caller is running, not parked
            info.si_signo = sig
            let recipient = target ?? group.threads.first { !k.blocks($0, sig) } ?? group.threads[0]
            try k.queueSignal(sig, info: info, to: recipient)
            return .zero
        } catch { return .error(error) }
    }
}
