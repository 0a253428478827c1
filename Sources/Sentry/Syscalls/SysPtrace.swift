// ptrace(2) between tasks of the sandbox, and the waits that report a tracee's stops to its
// tracer (wait4, waitid). State and hooks: Kernel/PtraceState.swift.

import Glibc
import LinuxABI
import Platform
import SystemPackage

enum SysPtrace {
    /// ptrace(2).
    static func ptrace(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let k = t.kernel
        let request = a.long(0), pid = a.int(1), addr = a[2], data = a[3]
        if request == Ptrace.TRACEME {
            // ptrace_traceme: EPERM when already traced; the tracer is the real parent.
            guard k.ptrace.link(t) == nil, let parent = t.group.parent, let tracer = parent.threads.first else {
                return .error(.notPermitted)
            }
            k.ptraceLink(t, to: tracer, seized: false, options: 0)
            return .zero
        }
        guard pid > 0, let target = k.tasks.values.first(where: { $0.tid == pid }) else { return .error(.noSuchProcess) }
        if request == Ptrace.ATTACH || request == Ptrace.SEIZE {
            return attach(t, target, seize: request == Ptrace.SEIZE, addr: addr, options: data)
        }
        // ptrace_check_attach: traced by the calling thread, and stopped for it (KILL and
        // INTERRUPT need no stop).
        guard let link = k.ptrace.link(target), link.tracer === t, link.exitStatus == nil else { return .error(.noSuchProcess) }
        if request == Ptrace.KILL {
            try? k.sendSignal(SIGKILL, to: target)
            if link.stopCode != nil { resume(k, target, link, signal: 0) }
            return .zero
        }
        if request == Ptrace.INTERRUPT { return interrupt(k, target, link) }
        guard link.stopCode != nil else { return .error(.noSuchProcess) }
        switch request {
        case Ptrace.PEEKTEXT, Ptrace.PEEKDATA, Ptrace.PEEKUSER:
            return peek(t, target, request, addr: addr, to: data)
        case Ptrace.POKETEXT, Ptrace.POKEDATA, Ptrace.POKEUSER:
            // The stub's pages (the injection gadget, scratch) are the Sentry's: out of reach,
            // as an address the host cannot write.
            if request != Ptrace.POKEUSER && ApplicationFilter.touchesStub(addr, 8) { return .error(.ioError) }
            var word = data
            do { try k.platform.traceeRequest(target.hostTID, TraceeRequest(rawValue: Int(request))!, addr: addr, data: &word) } catch {
                return .error(error == .noSuchProcess ? .noSuchProcess : error == .ioError || request == Ptrace.POKEUSER ? error : .ioError)
            }
            return .zero
        case Ptrace.GETREGS: return copyRegisters(t, target, .getRegs, size: 216, to: data)
        case Ptrace.GETFPREGS: return copyRegisters(t, target, .getFPRegs, size: 512, to: data)
        case Ptrace.GETSIGINFO: return copyRegisters(t, target, .getSigInfo, size: 128, to: data)
        case Ptrace.SETREGS: return setRegisters(t, target, .setRegs, size: 216, from: data)
        case Ptrace.SETFPREGS: return setRegisters(t, target, .setFPRegs, size: 512, from: data)
        case Ptrace.SETSIGINFO: return setRegisters(t, target, .setSigInfo, size: 128, from: data)
        case Ptrace.GETREGSET, Ptrace.SETREGSET:
            return regset(t, target, get: request == Ptrace.GETREGSET, type: addr, iovec: data)
        case Ptrace.GET_SYSCALL_INFO: return syscallInfo(t, target, link, size: addr, to: data)
        case Ptrace.PEEKSIGINFO: return peekSigInfo(t, target, args: addr, to: data)
        case Ptrace.GETSIGMASK, Ptrace.SETSIGMASK:
            // ptrace_getsigmask/setsigmask: addr is sizeof(sigset_t); SIGKILL and SIGSTOP
            // cannot be blocked. The host's mask is the truth (rt_sigprocmask runs natively).
            guard addr == 8 else { return .error(.invalidArgument) }
            var mask: UInt64 = 0
            do {
                if request == Ptrace.GETSIGMASK {
                    try k.platform.traceeRequest(target.hostTID, .getSigMask, addr: 8, data: &mask)
                    try t.copyOutValue(data, mask)
                } else {
                    mask = try t.copyInValue(data, as: UInt64.self) & ~(UInt64(1) << 8 | UInt64(1) << 18)
                    try k.platform.traceeRequest(target.hostTID, .setSigMask, addr: 8, data: &mask)
                }
            } catch { return .error(error) }
            return .zero
        case Ptrace.GETEVENTMSG:
            do { try t.copyOutValue(data, link.eventMessage) } catch { return .error(error) }
            return .zero
        case Ptrace.SETOPTIONS:
            guard data & ~Ptrace.O_MASK == 0 else { return .error(.invalidArgument) }
            link.options = data
            return .zero
        case Ptrace.LISTEN:
            // A seized tracee at a PTRACE_EVENT_STOP: in a group stop it stays stopped until
            // SIGCONT; at an INTERRUPT stop it goes on running.
            guard link.seized, let code = link.stopCode, code >> 8 == Ptrace.EVENT_STOP else { return .error(.ioError) }
            if !link.groupStop {
                resume(k, target, link, signal: 0)
                return .zero
            }
            link.stopCode = nil
            do { try k.platform.holdGroupStop(target.hostTID) } catch { return .error(.noSuchProcess) }
            return .zero
        case Ptrace.CONT, Ptrace.DETACH, Ptrace.SINGLESTEP, Ptrace.SYSCALL:
            guard data <= 64 else { return .error(.ioError) }
            let sig = link.deliveryStop ? Int32(data) : 0
            if request == Ptrace.DETACH { k.ptrace.links[target.hostTID] = nil }
            link.syscallStops = request == Ptrace.SYSCALL
            k.platform.setSyscallTracing(target.hostTID, link.syscallStops)
            if request == Ptrace.SINGLESTEP {
                link.stopCode = nil
                do { try k.platform.traceeRequest(target.hostTID, .singleStep, addr: 0, data: UnsafeMutableRawPointer(bitPattern: UInt(sig))) } catch {
                    return .error(.noSuchProcess)
                }
                return .zero
            }
            resume(k, target, link, signal: sig)
            return .zero
        default:
            // PTRACE_SYSEMU, GET_SYSCALL_INFO, seccomp filters… (docs/syscalls.md)
            return .error(.ioError)
        }
    }

    /// PTRACE_ATTACH and PTRACE_SEIZE (ptrace_attach's checks, in its order).
    static func attach(_ t: Task, _ target: Task, seize: Bool, addr: UInt64, options: UInt64) -> SyscallReturn {
        let k = t.kernel
        if seize {
            guard addr == 0 else { return .error(.ioError) }
            guard options & ~Ptrace.O_MASK == 0 else { return .error(.ioError) }
        }
        if target.group === t.group { return .error(.notPermitted) }
        guard k.ptraceMayAccess(t, target, .real) else { return .error(.notPermitted) }
        if k.ptrace.link(target) != nil { return .error(.notPermitted) }
        k.ptraceLink(target, to: t, seized: seize, options: seize ? options : 0)
        if !seize {
            // As any SIGSTOP: a call the target is parked in ends (to restart after the stop).
            try? k.sendSignal(SIGSTOP, to: target)
        }
        return .zero
    }

    static func resume(_ k: Kernel, _ target: Task, _ link: PtraceLink, signal: Int32) {
        link.stopCode = nil
        link.deliveryStop = false
        if let call = link.seccompCall {
            link.seccompCall = nil
            k.seccompStopEnded(target, call)
            return
        }
        if link.heldInCall {
            link.heldInCall = false      // still parked in its served call: it goes on waiting
            return
        }
        try? k.platform.resume(target.hostTID, signal: signal)
    }

    /// PTRACE_INTERRUPT (seized tracees only): a running tracee stops with PTRACE_EVENT_STOP;
    /// one parked in a served call is reported stopped where it is.
    static func interrupt(_ k: Kernel, _ target: Task, _ link: PtraceLink) -> SyscallReturn {
        guard link.seized else { return .error(.ioError) }
        if link.stopCode != nil { return .zero }
        if target.parked != nil {
            _ = k.ptraceInterruptStop(target)
            link.heldInCall = true
            return .zero
        }
        do { try k.platform.interrupt(target.hostTID) } catch { return .error(.noSuchProcess) }
        return .zero
    }

    /// PEEKTEXT/PEEKDATA/PEEKUSER: the raw call stores the word at `data`.
    static func peek(_ t: Task, _ target: Task, _ request: Int64, addr: UInt64, to data: UInt64) -> SyscallReturn {
        var word: UInt64 = 0
        do { try t.kernel.platform.traceeRequest(target.hostTID, TraceeRequest(rawValue: Int(request))!, addr: addr, data: &word) } catch {
            // generic_ptrace_peekdata: an address it cannot read is EIO.
            return .error(error == .noSuchProcess || request == Ptrace.PEEKUSER ? error : .ioError)
        }
        do { try t.copyOutValue(data, word) } catch { return .error(error) }
        return .zero
    }

    /// PTRACE_GET_SYSCALL_INFO (ptrace_get_syscall_info): the op of the stop (entry or exit of
    /// a syscall stop under TRACESYSGOOD, else none), arch, ip and sp, and the call's number
    /// and arguments at entry or its value at exit, from the tracee's registers; `size` bytes
    /// at most are copied out and the full size is returned.
    static func syscallInfo(_ t: Task, _ target: Task, _ link: PtraceLink, size: UInt64, to data: UInt64) -> SyscallReturn {
        var regs = user_regs_struct()
        do { try t.kernel.platform.traceeRequest(target.hostTID, .getRegs, addr: 0, data: &regs) } catch { return .error(error) }
        var info = [UInt8](repeating: 0, count: 88)
        func put<T: FixedWidthInteger>(_ v: T, at offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { info.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: $0) }
        }
        put(link.syscallInfo, at: 0)
        put(UInt32(0xc000_003e), at: 4)          // AUDIT_ARCH_X86_64
        put(regs.rip, at: 8)
        put(regs.rsp, at: 16)
        var actual = 24
        switch link.syscallInfo {
        case Ptrace.INFO_ENTRY:
            for (i, v) in [regs.orig_rax, regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9].enumerated() { put(v, at: 24 + 8 * i) }
            actual = 80
        case Ptrace.INFO_EXIT:
            let value = Int64(bitPattern: regs.rax)
            put(value, at: 24)
            put(UInt8(value < 0 && value >= -4095 ? 1 : 0), at: 32)
            actual = 33
        case Ptrace.INFO_SECCOMP:
            for (i, v) in [regs.orig_rax, regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9].enumerated() { put(v, at: 24 + 8 * i) }
            put(UInt32(truncatingIfNeeded: link.eventMessage), at: 80)
            actual = 84
        default: break
        }
        let n = Int(min(UInt64(actual), size))
        if n > 0 { do { try t.copyOut(data, Array(info[0..<n])) } catch { return .error(error) } }
        return .value(Int64(actual))
    }

    /// PTRACE_PEEKSIGINFO: `nr` siginfos from the tracee's private queue (or the process's
    /// shared one with PTRACE_PEEKSIGINFO_SHARED) starting at `off`, from the host's queue; a
    /// signal the Sentry sent shows the sender it recorded, as at its delivery.
    static func peekSigInfo(_ t: Task, _ target: Task, args: UInt64, to data: UInt64) -> SyscallReturn {
        let off: UInt64, flags: UInt32, nr: Int32
        do {
            off = try t.copyInValue(args, as: UInt64.self)
            flags = try t.copyInValue(args + 8, as: UInt32.self)
            nr = try t.copyInValue(args + 12, as: Int32.self)
        } catch { return .error(error) }
        if flags & ~1 != 0 || nr < 0 { return .error(.invalidArgument) }
        let count = Int(min(nr, 64))          // a page of siginfos per call, at most
        if count == 0 { return .zero }
        var request: (UInt64, UInt32, Int32) = (off, flags, Int32(count))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * count, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        let got: Int
        do {
            got = try withUnsafeMutableBytes(of: &request) { (r) throws(Errno) -> Int in
                try t.kernel.platform.peekSignals(target.hostTID, args: r.baseAddress!, into: buffer)
            }
        } catch { return .error(error) }
        for i in 0..<got {
            let entry = UnsafeMutableRawBufferPointer(rebasing: buffer[(128 * i)..<(128 * i + 128)])
            let signo = entry.load(as: Int32.self)
            // The Sentry's own tgkill (SI_TKILL from outside the namespace).
            if let recorded = target.pendingSignalInfo[signo], entry.load(fromByteOffset: 8, as: Int32.self) == -6 {
                recorded.encode(into: entry)
            }
        }
        do { try t.copyOut(data, UnsafeRawBufferPointer(rebasing: buffer[0..<(128 * got)])) } catch { return .error(error) }
        return .value(Int64(got))
    }

    /// GETREGS, GETFPREGS, GETSIGINFO: the host's answer copied out to `data`.
    static func copyRegisters(_ t: Task, _ target: Task, _ request: TraceeRequest, size: Int, to data: UInt64) -> SyscallReturn {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            try t.kernel.platform.traceeRequest(target.hostTID, request, addr: 0, data: buffer.baseAddress)
            try t.copyOut(data, UnsafeRawBufferPointer(buffer))
        } catch { return .error(error) }
        return .zero
    }

    /// SETREGS, SETFPREGS, SETSIGINFO: copied in once, then given to the host, which checks
    /// the segment registers and flags as for any tracer.
    static func setRegisters(_ t: Task, _ target: Task, _ request: TraceeRequest, size: Int, from data: UInt64) -> SyscallReturn {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        do {
            try t.copyIn(data, buffer)
            try t.kernel.platform.traceeRequest(target.hostTID, request, addr: 0, data: buffer.baseAddress)
        } catch { return .error(error) }
        return .zero
    }

    /// GETREGSET/SETREGSET for NT_PRSTATUS (user_regs_struct) and NT_PRFPREG (FXSAVE area):
    /// the iovec's length is cut to the set's size and written back, as ptrace_regset.
    static func regset(_ t: Task, _ target: Task, get: Bool, type: UInt64, iovec: UInt64) -> SyscallReturn {
        let size: Int, request: TraceeRequest
        switch type {
        case 1: size = 216; request = get ? .getRegs : .setRegs
        case 2: size = 512; request = get ? .getFPRegs : .setFPRegs
        default: return .error(.invalidArgument)
        }
        do {
            let base = try t.copyInValue(iovec, as: UInt64.self)
            let length = try t.copyInValue(iovec + 8, as: UInt64.self)
            // The set is copied whole; a shorter buffer gets its first bytes (copy_regset_to_user).
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            defer { buffer.deallocate() }
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            let n = Int(min(UInt64(size), length))
            if get {
                try t.kernel.platform.traceeRequest(target.hostTID, request, addr: 0, data: buffer.baseAddress)
                try t.copyOut(base, UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            } else {
                // A partial set keeps the rest of the current registers.
                try t.kernel.platform.traceeRequest(target.hostTID, get ? request : (type == 1 ? .getRegs : .getFPRegs), addr: 0, data: buffer.baseAddress)
                try t.copyIn(base, UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]))
                try t.kernel.platform.traceeRequest(target.hostTID, request, addr: 0, data: buffer.baseAddress)
            }
            try t.copyOutValue(iovec + 8, UInt64(n))
        } catch { return .error(error) }
        return .zero
    }

    // MARK: Waits

    static let WNOHANG: Int32 = 1, WUNTRACED: Int32 = 2, WEXITED: Int32 = 4, WCONTINUED: Int32 = 8
    static let WNOWAIT: Int32 = 0x0100_0000, WNOTHREAD: Int32 = 0x2000_0000, WCLONE: Int32 = Int32(bitPattern: 0x8000_0000)
    static let WALL: Int32 = 0x4000_0000

    /// A tracee's report `caller` may take for `pid` (wait4's selector: > 0 one task, -1 any;
    /// process groups select the tracer's own children natively).
    static func report(_ caller: Task, pid: Int32) -> (task: Task, link: PtraceLink, status: Int32)? {
        for (task, link) in caller.kernel.ptrace.tracees(of: caller.group) where pid == -1 || task.tid == pid {
            if let s = link.exitStatus, !link.reported { return (task, link, s) }
            if let code = link.stopCode, !link.reported { return (task, link, Ptrace.stopStatus(code)) }
        }
        return nil
    }

    /// wait4(2): a tracer's wait sees its tracees' stops first; everything else (its own
    /// children's exits and job-control stops) the host answers, in the task. A blocking
    /// wait never blocks in the host, where a child that becomes a tracee later (TRACEME)
    /// could not wake it: it parks on the kernel's queue, which child exits, child group
    /// stops and tracee stops notify. WNOHANG and WCONTINUED waits of a process that traces
    /// nobody run natively (nothing the Sentry sees tells a child continued), unless a child
    /// could dump core (`mayReportDumpedChild`).
    static func wait4(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let k = t.kernel
        let pid = a.int(0), statusAddress = a[1], options = a.int(2), rusage = a[3]
        if !k.ptrace.isTracer(t.group) && options & (WNOHANG | WCONTINUED) != 0 && !k.mayReportDumpedChild(t.group) { return .native }
        guard options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WCLONE | WALL) == 0 else { return .error(.invalidArgument) }
        if pid == -1 || pid > 0, let (task, link, status) = report(t, pid: pid) {
            do {
                if statusAddress != 0 { try t.copyOutValue(statusAddress, status) }
                if rusage != 0 { try t.copyOut(rusage, [UInt8](repeating: 0, count: 144)) }
            } catch { return .error(error) }
            take(k, task, link)
            return .value(Int64(task.tid))
        }
        return waitNatively(t, nr: 61, [UInt64(bitPattern: Int64(pid)), statusAddress, UInt64(UInt32(bitPattern: options | WNOHANG)), rusage],
                            pid: pid, noHang: options & WNOHANG != 0, found: { $0 > 0 }) { r throws(Errno) in
            // A child that dumped core: WCOREDUMP in the status the host wrote.
            try k.reportedChild(r, keep: false) { () throws(Errno) in
                guard statusAddress != 0 else { return }
                let status = try t.copyInValue(statusAddress, as: Int32.self)
                try t.copyOutValue(statusAddress, status | 0x80)
            }
        }
    }

    /// A report taken by a wait: a stop stays until resumed, an exit report goes.
    static func take(_ k: Kernel, _ task: Task, _ link: PtraceLink) {
        link.reported = true
        if link.exitStatus != nil, k.ptrace.links[task.hostTID]?.link === link { k.ptrace.links[task.hostTID] = nil }
    }

    /// The host's answer for the caller's own children, without blocking in the host (the
    /// call is injected with WNOHANG): when none is ready the call parks on the tracer's
    /// queue, which tracee stops and child exits notify. ECHILD only when no tracee could
    /// still report either. `found` tells a result that reports a child.
    /// `reported` runs after a result that reports a child (WCOREDUMP's patch).
    static func waitNatively(_ t: Task, nr: Int, _ args: [UInt64], pid: Int32, noHang: Bool, found: (Int64) -> Bool,
                             reported: (Int64) throws(Errno) -> Void) -> SyscallReturn {
        let k = t.kernel
        if t.blockedCall is ChildWait && !k.ptrace.isTracer(t.group) && !k.hasDumpedChild(t.group) {
            // Woken by a child's exit or stop: the host answers at once, and its SIGCHLD
            // stays pending with the kernel's siginfo (an injection would re-send it as
            // SI_TKILL).
            t.endBlockedCall()
            return .native
        }
        let r: Int64
        do { r = try k.platform.injectSyscall(t.hostTID, nr, args) } catch { return .error(error) }
        let traceeMatches = k.ptrace.tracees(of: t.group).contains { pid == -1 || $0.task.tid == pid || pid == 0 || pid < -1 }
        if r == -Int64(ECHILD) && traceeMatches || r >= 0 && !found(r) {
            if noHang { return .zero }
            if !(t.blockedCall is ChildWait) { t.blockedCall = ChildWait() }
            return .block(k.ptrace.waitQueue(t.group), PollEvents.input)
        }
        t.endBlockedCall()
        if r >= 0 && found(r) {
            do { try reported(r) } catch { return .error(error) }
        }
        return .value(r)
    }

    /// A wait4 or waitid parked until a child or a tracee changes state.
    final class ChildWait: BlockedCall {}

    /// waitid(2): as wait4 for P_PID and P_ALL; a tracee's stop fills the siginfo with
    /// CLD_TRAPPED and its stop code.
    static func waitid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let k = t.kernel
        let idtype = a.int(0), id = a.int(1), infop = a[2], options = a.int(3), rusage = a[4]
        // P_ALL, P_PID and P_PGID, as wait4; P_PIDFD names a Sentry fd.
        guard idtype >= 0 && idtype <= 2 else { return SysPidfd.waitid(t, a) }
        if !k.ptrace.isTracer(t.group) && options & (WNOHANG | WCONTINUED) != 0 && !k.mayReportDumpedChild(t.group) { return .native }
        guard options & ~(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WCLONE | WALL) == 0,
              options & (WUNTRACED | WEXITED | WCONTINUED) != 0 else { return .error(.invalidArgument) }
        let pid: Int32 = idtype == 0 ? -1 : idtype == 1 ? id : 0
        if pid == -1 || pid > 0, let (task, link, status) = report(t, pid: pid), link.exitStatus == nil || options & WEXITED != 0 {
            var info = [UInt8](repeating: 0, count: 128)
            func put(_ v: Int32, at offset: Int) { withUnsafeBytes(of: v.littleEndian) { info.replaceSubrange(offset..<offset + 4, with: $0) } }
            put(SIGCHLD, at: 0)
            let exited = link.exitStatus != nil
            let code: Int32 = exited ? (status & 0x7f == 0 ? 1 : (status & 0x80 != 0 ? 3 : 2)) : 4   // CLD_EXITED/KILLED/DUMPED/TRAPPED
            put(code, at: 8)
            put(task.group.pid, at: 16)
            put(Int32(bitPattern: task.creds.uid), at: 20)
            put(exited ? (status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f) : (status >> 8) & 0xffff, at: 24)
            do {
                if infop != 0 { try t.copyOut(infop, info) }
                if rusage != 0 { try t.copyOut(rusage, [UInt8](repeating: 0, count: 144)) }
            } catch { return .error(error) }
            if options & WNOWAIT == 0 { take(k, task, link) }
            return .zero
        }
        // waitid returns 0 either way: a child was found when the host filled in si_pid.
        return waitNatively(t, nr: 247, [UInt64(bitPattern: Int64(idtype)), UInt64(bitPattern: Int64(id)), infop, UInt64(UInt32(bitPattern: options | WNOHANG)), rusage],
                            pid: pid, noHang: options & WNOHANG != 0, found: { _ in
            infop == 0 || ((try? t.copyInValue(infop + 16, as: Int32.self)) ?? 1) != 0
        }) { _ throws(Errno) in
            // A child that dumped core: CLD_DUMPED rather than the host's CLD_KILLED.
            guard infop != 0 else { return }
            let child = try t.copyInValue(infop + 16, as: Int32.self)
            try k.reportedChild(Int64(child), keep: options & WNOWAIT != 0) { () throws(Errno) in
                if try t.copyInValue(infop + 8, as: Int32.self) == 2 { try t.copyOutValue(infop + 8, Int32(3)) }
            }
        }
    }
}
