// Decoding waitpid statuses into TaskEvents. One status may yield zero events (an internal
// pass-through), one, or two (a clone event whose child had already stopped).

import CHusk
import Glibc
import SystemPackage

extension PtracePlatform {
    func nextPtraceEvent() -> TaskEvent? {
        if let e = queue.pop() { return e }
        // Drain the signalfd before waitpid: a SIGCHLD arriving later makes it readable again.
        chusk_drain_signalfd(sigchldFD)
        while true {
            var status: Int32 = 0
            let pid = chusk_waitpid(-1, &status, Int32(CHUSK_WNOHANG | CHUSK_WALL))
            if pid <= 0 { return queue.pop() }
            handleStatus(HostTID(pid), status)
            if let e = queue.pop() { return e }
        }
    }

    /// Turns one wait status into queued events (or handles it internally).
    func handleStatus(_ tid: HostTID, _ status: Int32) {
        if !WaitStatus.stopped(status) {
            tasks[tid] = nil
            earlyStarts.remove(tid)
            queue.push(.exited(tid, status: status))
            return
        }
        let sig = WaitStatus.stopSignal(status)
        let event = WaitStatus.event(status)
        switch event {
        case Int32(CHUSK_PTRACE_EVENT_SECCOMP):
            var regs = user_regs_struct()
            do throws(Errno) { try getRegs(tid, &regs) } catch { return }  // killed meanwhile: its exit follows
            if redirectSeccompStop(tid, &regs) {
                do throws(Errno) { try setRegs(tid, regs) } catch { return }
            }
            var t = tasks[tid] ?? TracedTask()
            if let re = t.reentry {
                t.reentry = nil
                let now = regs.syscallRegisters
                if now.nr == re.nr && now.ip == re.ip && now.sp == re.sp && now.args == re.args {
                    tasks[tid] = t
                    try? ptraceResume(tid, continueRequest(tid))
                    return
                }
            }
            t.stop = .seccomp
            t.regs = regs
            t.consumedNr = nil
            tasks[tid] = t
            queue.push(.syscall(tid, regs.syscallRegisters))

        case Int32(CHUSK_PTRACE_EVENT_CLONE), Int32(CHUSK_PTRACE_EVENT_FORK), Int32(CHUSK_PTRACE_EVENT_VFORK):
            let kind: CloneKind = event == Int32(CHUSK_PTRACE_EVENT_CLONE) ? .clone
                : event == Int32(CHUSK_PTRACE_EVENT_FORK) ? .fork : .vfork
            guard let msg = try? eventMessage(tid) else { return }
            let child = HostTID(truncatingIfNeeded: msg)
            var parent = tasks[tid] ?? TracedTask()
            parent.stop = .otherEvent
            parent.reentry = nil
            _ = try? getRegs(tid, &parent.regs)
            tasks[tid] = parent
            var c = tasks[child] ?? TracedTask()
            c.stub = parent.stub       // same image: threads share it, fork children copy it
            tasks[child] = c
            queue.push(.cloned(parent: tid, child: child, kind: kind))
            if earlyStarts.remove(child) != nil { markStarted(child) }

        case Int32(CHUSK_PTRACE_EVENT_EXEC):
            let former = HostTID(truncatingIfNeeded: (try? eventMessage(tid)) ?? UInt(tid))
            var t = tasks[tid] ?? TracedTask()
            if former != tid, let old = tasks.removeValue(forKey: former) { t = old }
            t.stop = .execEvent
            t.reentry = nil
            t.consumedNr = nil
            t.started = true
            _ = try? getRegs(tid, &t.regs)
            t.stub = readStubImage(tid, t.regs)
            tasks[tid] = t
            queue.push(.execed(tid, formerTID: former))

        case Int32(CHUSK_PTRACE_EVENT_VFORK_DONE):
            let child = HostTID(truncatingIfNeeded: (try? eventMessage(tid)) ?? 0)
            var t = tasks[tid] ?? TracedTask()
            t.stop = .otherEvent
            t.reentry = nil
            _ = try? getRegs(tid, &t.regs)
            tasks[tid] = t
            queue.push(.vforkDone(tid, child: child))

        case Int32(CHUSK_PTRACE_EVENT_EXIT):
            let st = Int32(truncatingIfNeeded: (try? eventMessage(tid)) ?? 0)
            if tasks[tid] == nil { tasks[tid] = TracedTask() }
            tasks[tid]!.stop = .otherEvent
            tasks[tid]!.reentry = nil
            queue.push(.exiting(tid, status: st))

        case Int32(CHUSK_PTRACE_EVENT_STOP):
            if sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU {
                if tasks[tid] == nil { tasks[tid] = TracedTask() }
                tasks[tid]!.stop = .trapStop
                _ = try? getRegs(tid, &tasks[tid]!.regs)
                queue.push(.groupStopped(tid, signal: sig))
            } else if consumeInterruptStop(tid) {
                return
            } else if interrupts.remove(tid) != nil, tasks[tid] != nil {
                tasks[tid]!.stop = .trapStop
                tasks[tid]!.reentry = nil
                _ = try? getRegs(tid, &tasks[tid]!.regs)
                queue.push(.interrupted(tid))
            } else if let t = tasks[tid], t.started {
                try? ptraceResume(tid, continueRequest(tid))    // a stray PTRACE_INTERRUPT stop
            } else if tasks[tid] == nil {
                earlyStarts.insert(tid)                       // the parent's clone event comes later
            } else {
                markStarted(tid)
            }

        default:
            if sig == SIGTRAP | 0x80 {
                // Outside injections, a syscall stop follows PTRACE_SYSCALL for the program's
                // tracer; any other is stale.
                guard var t = tasks[tid], t.traceSyscalls else {
                    try? ptraceResume(tid, CHUSK_PTRACE_CONT)
                    return
                }
                let op = chusk_ptrace_syscall_op(tid)
                if op == Int(CHUSK_SYSCALL_INFO_EXIT) && consumeRestartExitStop(tid) { return }
                if t.swallowEntry && op == Int(CHUSK_SYSCALL_INFO_ENTRY) {
                    t.swallowEntry = false
                    tasks[tid] = t
                    try? ptraceResume(tid, CHUSK_PTRACE_SYSCALL)
                    return
                }
                t.stop = .otherEvent
                t.reentry = nil
                _ = try? getRegs(tid, &t.regs)
                if op == Int(CHUSK_SYSCALL_INFO_EXIT), let nr = t.skippedNr {
                    t.regs.orig_rax = nr
                    _ = try? setRegs(tid, t.regs)
                }
                t.skippedNr = nil
                tasks[tid] = t
                queue.push(.syscallStop(tid, exit: op == Int(CHUSK_SYSCALL_INFO_EXIT)))
                return
            }
            if tasks[tid] == nil { tasks[tid] = TracedTask() }
            tasks[tid]!.stop = .otherEvent
            tasks[tid]!.reentry = nil     // a handler runs first; a restart is reported afresh
            queue.push(.signalled(tid, signal: sig))
        }
    }

    func markStarted(_ tid: HostTID) {
        guard var t = tasks[tid] else { return }
        t.started = true
        t.stop = .trapStop
        _ = try? getRegs(tid, &t.regs)
        tasks[tid] = t
        queue.push(.started(tid))
    }

    /// Reads the stub's facts at its exec stop: rip is the entry (no interpreter), rsp points
    /// at argc, argv, envp and auxv. Returns nil when the image is not the stub.
    func readStubImage(_ tid: HostTID, _ regs: user_regs_struct) -> StubImage? {
        let base = StubELF.base
        guard regs.rip == StubELF.entryAddress else { return nil }
        var gadget: (UInt8, UInt8, UInt8) = (0, 0, 0)
        let ok: Bool = withUnsafeMutableBytes(of: &gadget) { buf in
            (try? readMemory(tid, at: base + StubELF.gadgetOffset, into: buf)) != nil
        }
        guard ok, gadget == (0x0f, 0x05, 0xcc) else { return nil }
        // The stack from rsp up to its end (partial reads stop at the top of the stack).
        let cap = 256 * 1024
        let buf = UnsafeMutableRawPointer.allocate(byteCount: cap, alignment: 8)
        defer { buf.deallocate() }
        let n = chusk_vm_read(tid, buf, cap, regs.rsp)
        guard n >= 8 else { return nil }
        let words = n / 8
        func word(_ i: Int) -> UInt64? { i < words ? buf.load(fromByteOffset: i * 8, as: UInt64.self) : nil }
        guard let argc = word(0) , argc < UInt64(words) else { return nil }
        var i = 1 + Int(argc) + 1                // argv[] and its NULL
        while let w = word(i), w != 0 { i += 1 }  // envp[]
        i += 1
        var vdso: UInt64 = 0, random: UInt64 = 0
        while let key = word(i), let value = word(i + 1), key != 0 {
            if key == 33 { vdso = value }        // AT_SYSINFO_EHDR
            if key == 25 { random = value }      // AT_RANDOM
            i += 2
        }
        return StubImage(stackPointer: regs.rsp, vdsoBase: vdso, randomAddress: random, stubBase: base, stubSize: StubELF.imageSize)
    }
}
