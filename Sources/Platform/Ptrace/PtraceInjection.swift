// Running syscalls inside a stopped task: injection, fd installation and the stub exec.
//
// At a seccomp stop the call in progress is replaced (the kernel runs whatever orig_rax says
// after the stop); the original call is then used up and the task sits at a syscall-exit
// stop, which `complete` knows how to finish. Elsewhere the task is sent to a `syscall`
// instruction (the stub's gadget) and runs under PTRACE_SYSCALL to that call's exit stop,
// passing through the application filter again. Registers are restored afterwards.

import CHusk
import Glibc
import LinuxABI
import SystemPackage

extension PtracePlatform {
    public func injectSyscall(_ tid: HostTID, _ nr: Int, _ args: [UInt64]) throws(Errno) -> Int64 {
        guard args.count <= 6 else { throw Errno.invalidArgument }
        func at(_ i: Int) -> UInt64 { i < args.count ? args[i] : 0 }
        return try inject(tid, nr, (at(0), at(1), at(2), at(3), at(4), at(5))).result
    }

    /// Runs one call; returns its raw result, the tid that reported its exit (differs only
    /// after a non-leader's successful exec) and whether an exec happened.
    ///
    /// The program may have other threads running meanwhile, so every stop met on the way is
    /// checked: only the injected call (its number, at the instruction we chose) may stop at
    /// entry, seccomp and exit. Anything else — another syscall, another address, a fault — means
    /// the stub or the task was tampered with: the task is killed and the Sentry carries on.
    func inject(_ tid: HostTID, _ nr: Int, _ a: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64),
                tgid: HostTID? = nil) throws(Errno) -> (result: Int64, tid: HostTID, execed: Bool) {
        guard var t = tasks[tid] else { throw Errno.noSuchProcess }
        switch t.stop {
        case .running, .otherEvent: throw Errno.invalidArgument
        case .execEvent:
            // Still inside execve: its exit would overwrite rax. Run it to its exit stop first.
            let done = try runToSyscallExit(tid, expect: (Int(Int64(bitPattern: t.regs.orig_rax)), t.regs.rip), exec: false, tgid: nil)
            if let regs = done.regs { t.regs = regs } else { try getRegs(tid, &t.regs) }
            t.stop = .syscallExit
        case .seccomp where t.ownFilters && t.stub != nil:
            // The program's own filters would judge a call run in place of its own (with its
            // address). Skip its call first (a skipped call meets no filter), then run ours from
            // the gadget, which those filters send to the Sentry's stop (SeccompFilter's
            // prologue) and allow at the recheck.
            var skip = t.regs
            skip.orig_rax = UInt64.max
            try setRegs(tid, skip)
            do throws(Errno) {
                _ = try runToSyscallExit(tid, expect: (-1, t.regs.rip), exec: false, tgid: nil)
            } catch {
                if tasks[tid] != nil { tasks[tid]!.stop = .running }
                throw error
            }
            t.consumedNr = Int(Int64(bitPattern: t.regs.orig_rax))
            t.stop = .syscallExit
            tasks[tid] = t
        default: break
        }
        var w = t.regs
        w.setArgs(a)
        let expectedIP: UInt64
        if t.stop == .seccomp {
            w.orig_rax = UInt64(bitPattern: Int64(nr))
            expectedIP = t.regs.rip
        } else {
            let gadget: UInt64
            if t.stub != nil { gadget = StubELF.gadgetAddress }
            else if t.consumedNr != nil { gadget = t.regs.rip &- 2 }   // the task's own syscall instruction (tests' images)
            else { throw Errno.invalidArgument }
            w.rip = gadget
            w.rax = UInt64(bitPattern: Int64(nr))
            w.orig_rax = UInt64.max
            expectedIP = gadget &+ 2
        }
        try setRegs(tid, w)
        // From the stub's gadget (`syscall; int3`), PTRACE_CONT skips the syscall-entry stop: a call the filter traces
        // stops at its seccomp stop (then PTRACE_SYSCALL to its exit), one it allows runs and
        // stops at the gadget's int3 (`gadgetTrap`). Not for an exec or a clone (their events),
        // nor under a program's tracer (which may ask the kernel about the exit stop), nor when
        // the registers to restore would make the signal path restart a call (-ERESTART* in rax
        // with a call in orig_rax: a syscall-exit stop never does that without a signal).
        let restartCode = t.regs.orig_rax != UInt64.max && (-516 ... -512).contains(Int64(bitPattern: t.regs.rax))
        let skipEntry = t.stop != .seccomp && t.stub != nil && tgid == nil && !t.traceSyscalls && !restartCode
            && ![SyscallNumber.clone, SyscallNumber.fork, SyscallNumber.vfork, SyscallNumber.clone3].contains(nr)
        let exit: (tid: HostTID, execed: HostTID?, regs: user_regs_struct?)
        do throws(Errno) {
            exit = try runToSyscallExit(tid, expect: (nr, expectedIP), exec: tgid != nil, tgid: tgid, skipEntry: skipEntry)
        } catch {
            // The task was killed (its .exiting/.exited is queued) or is no longer stopped.
            if tasks[tid] != nil { tasks[tid]!.stop = .running }
            throw error
        }
        // The exit stop's registers were read to check it; an exec's are read here.
        var after = exit.regs ?? user_regs_struct()
        if exit.regs == nil { try getRegs(exit.tid, &after) }
        let result = Int64(bitPattern: after.rax)
        if let former = exit.execed {
            // A new image: its registers are the ones to keep; the old call is gone.
            t.regs = after
            t.stop = .syscallExit
            t.consumedNr = nil
            t.stub = readStubImage(exit.tid, after)
            if exit.tid != tid { tasks[tid] = nil }
            if former != tid { tasks[former] = nil }
            tasks[exit.tid] = t
            return (result, exit.tid, true)
        }
        if t.stop == .seccomp { t.consumedNr = Int(Int64(bitPattern: t.regs.orig_rax)) }
        t.stop = .syscallExit
        try setRegs(tid, t.regs)
        tasks[tid] = t
        return (result, tid, false)
    }

    /// Signals that mean the task faulted at the instruction we sent it to.
    static let faultSignals: Set<Int32> = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS]
    /// More stops than any honest injection meets (entry, seccomp, exit, a few deferred signals).
    static let injectionStopLimit = 64

    /// At a signal-delivery stop: the kernel raised the signal (a fault has si_code > 0; kill,
    /// tkill and sigqueue give SI_USER, SI_TKILL, SI_QUEUE, all <= 0).
    func kernelRaised(_ tid: HostTID) -> Bool {
        var info = [Int32](repeating: 0, count: 32)   // siginfo_t: 128 bytes
        let r = info.withUnsafeMutableBytes { chusk_ptrace(0x4202 /* PTRACE_GETSIGINFO */, tid, 0, UInt(bitPattern: $0.baseAddress)) }
        return r < 0 || info[2] > 0
    }

    /// At a SIGTRAP delivery stop: the registers when the kernel raised it for the int3 that
    /// follows the gadget's syscall instruction (`syscallEnd`, the address after it); nil otherwise.
    func gadgetTrap(_ tid: HostTID, after syscallEnd: UInt64) -> user_regs_struct? {
        var regs = user_regs_struct()
        guard (try? getRegs(tid, &regs)) != nil, regs.rip == syscallEnd &+ 1, kernelRaised(tid) else { return nil }
        return regs
    }

    /// Kills a task whose injection met a stop it must not, and says so in one line. Returns
    /// the error the injection fails with.
    func abandonInjection(_ tid: HostTID, _ why: String) -> Errno {
        let shown = virtualTID(tid).map { "\($0) (host \(tid))" } ?? "host \(tid)"
        _ = chusk_syscall6(SyscallNumber.kill /* the whole thread group */, Int(tid), Int(SIGKILL), 0, 0, 0, 0)
        hostileReport("husk: sentry: killed task \(shown): \(why)")
        if tasks[tid] != nil { tasks[tid]!.stop = .running }
        return Errno.noSuchProcess
    }

    /// Resumes with PTRACE_SYSCALL until the injected call's exit stop. Signals arriving
    /// meanwhile are suppressed and sent again (tkill) once the exit stop is reached; a fault,
    /// another syscall or a stop at another address abandons the injection.
    func runToSyscallExit(_ tid: HostTID, expect: (nr: Int, ip: UInt64), exec: Bool, tgid: HostTID?,
                          skipEntry: Bool = false) throws(Errno) -> (tid: HostTID, execed: HostTID?, regs: user_regs_struct?) {
        var waitTID = tid
        var execed: HostTID? = nil
        var signals: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        var nsig = 0
        var stops = 0
        defer {
            let target = execed == nil ? tid : waitTID
            withUnsafeBytes(of: signals) { s in
                for i in 0..<nsig { _ = chusk_syscall6(SyscallNumber.tkill, Int(target), Int(s.load(fromByteOffset: i * 4, as: Int32.self)), 0, 0, 0, 0) }
            }
        }
        /// The stopped task's registers when it is at the injected call (its number, right after
        /// our instruction); nil otherwise.
        func atInjectedCall(_ t: HostTID) -> user_regs_struct? {
            var regs = user_regs_struct()
            guard (try? getRegs(t, &regs)) != nil else { return nil }
            return Int(Int64(bitPattern: regs.orig_rax)) == expect.nr && regs.rip == expect.ip ? regs : nil
        }
        try ptraceResume(tid, skipEntry ? CHUSK_PTRACE_CONT : CHUSK_PTRACE_SYSCALL)
        while true {
            var status: Int32 = 0
            // An exec kills the other threads of the group, and each stops at its exit event
            // until its tracer lets it go: so during an exec, wait for everyone, let exiting
            // threads go, and queue what other tasks report for the kernel's loop.
            let r = chusk_waitpid(exec ? -1 : waitTID, &status, Int32(CHUSK_WALL))
            if r < 0 {
                // A non-leader's exec takes the leader's tid: look for it there.
                if r == -Int(ECHILD), exec, let g = tgid, waitTID != g { waitTID = g; continue }
                throw Errno(rawValue: Int32(-r))
            }
            if exec && HostTID(truncatingIfNeeded: r) != waitTID {
                let other = HostTID(truncatingIfNeeded: r)
                let isExecOfGroup = other == tgid && WaitStatus.stopped(status) && WaitStatus.event(status) == Int32(CHUSK_PTRACE_EVENT_EXEC)
                if isExecOfGroup {
                    waitTID = other          // the exec'ing thread, now under the leader's tid
                } else {
                    handleStatus(other, status)
                    if WaitStatus.stopped(status) && WaitStatus.event(status) == Int32(CHUSK_PTRACE_EVENT_EXIT) {
                        try? ptraceResume(other, CHUSK_PTRACE_CONT)
                        if tasks[other] != nil { tasks[other]!.stop = .running }
                    }
                    continue
                }
            }
            if !WaitStatus.stopped(status) {
                handleStatus(waitTID, status)      // queues .exited
                throw Errno.noSuchProcess
            }
            stops += 1
            if stops > Self.injectionStopLimit { throw abandonInjection(waitTID, "an injected syscall did not complete after \(stops) stops") }
            let sig = WaitStatus.stopSignal(status)
            let event = WaitStatus.event(status)
            switch event {
            case 0 where sig == SIGTRAP | 0x80:
                let op = chusk_ptrace_syscall_op(waitTID)
                if op == Int(CHUSK_SYSCALL_INFO_EXIT) && execed != nil { return (waitTID, execed, nil) }
                guard let regs = atInjectedCall(waitTID) else {
                    throw abandonInjection(waitTID, "another syscall ran where an injected \(expect.nr) was expected (the stub was tampered with)")
                }
                if op == Int(CHUSK_SYSCALL_INFO_EXIT) { return (waitTID, execed, regs) }
            case 0:
                // skipEntry: a call the filter allowed ran without a stop, and the gadget's
                // int3 (right after its syscall instruction) trapped; rax is its result. The
                // task is at that SIGTRAP's delivery stop, which the next resume discards.
                if skipEntry && sig == SIGTRAP, let regs = gadgetTrap(waitTID, after: expect.ip) { return (waitTID, nil, regs) }
                // A fault the kernel raised (si_code > 0), not the same signal sent by kill.
                if Self.faultSignals.contains(sig) && kernelRaised(waitTID) {
                    // The application filter never traps: a SIGSYS is the program's own filter's.
                    throw abandonInjection(waitTID, sig == SIGSYS ? "its own seccomp filter trapped the Sentry's injected syscall \(expect.nr)"
                                                                  : "signal \(sig) at the injection gadget (the stub was tampered with)")
                }
                if nsig < 4 {
                    withUnsafeMutableBytes(of: &signals) { $0.storeBytes(of: sig, toByteOffset: nsig * 4, as: Int32.self) }
                    nsig += 1
                }
            case Int32(CHUSK_PTRACE_EVENT_SECCOMP):
                guard atInjectedCall(waitTID) != nil else {
                    throw abandonInjection(waitTID, "another syscall ran where an injected \(expect.nr) was expected (the stub was tampered with)")
                }
            case Int32(CHUSK_PTRACE_EVENT_STOP):
                break   // a group stop of the thread group: the injection goes on
            case Int32(CHUSK_PTRACE_EVENT_EXEC):
                guard exec else { throw abandonInjection(waitTID, "an exec during an injected \(expect.nr)") }
                execed = HostTID(truncatingIfNeeded: (try? eventMessage(waitTID)) ?? UInt(tid))
            case Int32(CHUSK_PTRACE_EVENT_EXIT):
                if waitTID != tid && exec {  // the old leader leaving during a non-leader's exec
                    try? ptraceResume(waitTID, CHUSK_PTRACE_CONT)
                    continue
                }
                handleStatus(waitTID, status)      // queues .exiting; the task was killed
                throw Errno.noSuchProcess
            default:
                // A clone, fork or vfork event: only an injected clone may create a task.
                guard [SyscallNumber.clone, SyscallNumber.fork, SyscallNumber.vfork, SyscallNumber.clone3].contains(expect.nr) else {
                    throw abandonInjection(waitTID, "a new task during an injected \(expect.nr)")
                }
                let saved = tasks[waitTID]
                handleStatus(waitTID, status)
                tasks[waitTID] = saved
            }
            try ptraceResume(waitTID, CHUSK_PTRACE_SYSCALL)
        }
    }

    public func installFD(_ tid: HostTID, _ hostFD: Int32) throws(Errno) -> Int32 {
        let scratch = try scratchAddress(tid)
        try sendFD(hostFD)
        // In scratch: msghdr @0, iovec @64, 1 data byte @88, control (24 bytes) @96.
        let b = msgBuffer
        b.initializeMemory(as: UInt8.self, repeating: 0, count: 120)
        b.storeBytes(of: scratch + 64, toByteOffset: 16, as: UInt64.self)   // msg_iov
        b.storeBytes(of: UInt64(1), toByteOffset: 24, as: UInt64.self)      // msg_iovlen
        b.storeBytes(of: scratch + 96, toByteOffset: 32, as: UInt64.self)   // msg_control
        b.storeBytes(of: UInt64(24), toByteOffset: 40, as: UInt64.self)     // msg_controllen
        b.storeBytes(of: scratch + 88, toByteOffset: 64, as: UInt64.self)   // iov_base
        b.storeBytes(of: UInt64(1), toByteOffset: 72, as: UInt64.self)      // iov_len
        do throws(Errno) {
            try writeMemory(tid, at: scratch, from: UnsafeRawBufferPointer(start: b, count: 120))
            let r = try inject(tid, SyscallNumber.recvmsg, (UInt64(TaskHostFD.control), scratch, 0x4000_0000 /* MSG_CMSG_CLOEXEC */, 0, 0, 0)).result
            if r < 0 { throw Errno(rawValue: Int32(-r)) }
            // One byte comes with the fd. Anything else is the program's own seccomp filter
            // answering the injected call (a TRAP leaves the call's number in rax).
            if r != 1 { throw Errno.notPermitted }
        } catch {
            drainControl()
            throw error
        }
        // The number comes back through scratch memory, which another thread of the program
        // may rewrite: decide nothing on it until kcmp says the task's fd is our file.
        try readMemory(tid, at: scratch + 96, into: UnsafeMutableRawBufferPointer(start: b, count: 24))
        let len = b.load(fromByteOffset: 0, as: UInt64.self)
        let level = b.load(fromByteOffset: 8, as: Int32.self)
        let type = b.load(fromByteOffset: 12, as: Int32.self)
        let fd = b.load(fromByteOffset: 16, as: Int32.self)
        guard len == 20, level == SOL_SOCKET, type == 1 /* SCM_RIGHTS */, fd >= 0, fd < TaskHostFD.control,
              sameFile(tid, fd, hostFD) else {
            throw abandonInjection(tid, "the fd installed for it cannot be verified (its scratch memory was rewritten)")
        }
        return fd
    }

    /// kcmp(KCMP_FILE): the task's `fd` and the Sentry's `hostFD` are the same open file.
    func sameFile(_ tid: HostTID, _ fd: Int32, _ hostFD: Int32) -> Bool {
        chusk_syscall6(SyscallNumber.kcmp, Int(getpid()), Int(tid), 0 /* KCMP_FILE */, Int(hostFD), Int(fd), 0) == 0
    }

    /// Closes an fd the Sentry installed in the task (never the ones it keeps there).
    public func closeInstalledFD(_ tid: HostTID, _ fd: Int32) throws(Errno) {
        guard fd >= 0, fd < TaskHostFD.control else { throw Errno.badFileDescriptor }
        _ = try inject(tid, SyscallNumber.close, (UInt64(fd), 0, 0, 0, 0, 0))
    }

    /// One SOCK_SEQPACKET message of one byte carrying `fd` (SCM_RIGHTS).
    func sendFD(_ fd: Int32) throws(Errno) {
        let b = msgBuffer + 128
        b.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
        b.storeBytes(of: UInt64(20), toByteOffset: 0, as: UInt64.self)   // cmsg_len = CMSG_LEN(4)
        b.storeBytes(of: SOL_SOCKET, toByteOffset: 8, as: Int32.self)
        b.storeBytes(of: Int32(1), toByteOffset: 12, as: Int32.self)     // SCM_RIGHTS
        b.storeBytes(of: fd, toByteOffset: 16, as: Int32.self)
        var byte: UInt8 = 0x48
        let r: Int = withUnsafeMutablePointer(to: &byte) { p in
            var iov = iovec(iov_base: UnsafeMutableRawPointer(p), iov_len: 1)
            return withUnsafeMutablePointer(to: &iov) { iovp in
                var msg = msghdr()
                msg.msg_iov = iovp
                msg.msg_iovlen = 1
                msg.msg_control = b
                msg.msg_controllen = 24
                return sendmsg(controlFD, &msg, Int32(MSG_NOSIGNAL))
            }
        }
        if r != 1 { throw Errno(rawValue: errno) }
    }

    /// After a failed recvmsg in the task, takes the queued message back and closes its fd,
    /// so the next installFD does not receive a stale one.
    func drainControl() {
        let b = msgBuffer + 128
        while true {
            var byte: UInt8 = 0
            let r: Int = withUnsafeMutablePointer(to: &byte) { p in
                var iov = iovec(iov_base: UnsafeMutableRawPointer(p), iov_len: 1)
                return withUnsafeMutablePointer(to: &iov) { iovp in
                    var msg = msghdr()
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = b
                    msg.msg_controllen = 24
                    let n = recvmsg(taskControlFD, &msg, Int32(MSG_DONTWAIT) | Int32(MSG_CMSG_CLOEXEC))
                    if n >= 0 && msg.msg_controllen >= 20 { close(b.load(fromByteOffset: 16, as: Int32.self)) }
                    return n
                }
            }
            if r < 0 { return }
        }
    }

    public func execStub(_ tid: HostTID, argv: [[UInt8]]) throws(Errno) -> HostTID {
        let scratch = try scratchAddress(tid)
        // Layout: argv pointers @0, then the strings. The argv only names the program for the
        // host's ps (the Loader builds the real stack); the path ("") and envp (empty) are read
        // from the stub's read-only page, which no thread of the program can rewrite meanwhile.
        let budget = StubELF.scratchSize - 4096
        var shown: [[UInt8]] = []
        var used = 0
        for a in (argv.isEmpty ? [Array("husk-stub".utf8)] : argv) {
            let cost = 8 + a.count + 1
            if used + cost + 8 > budget || shown.count >= 256 { break }
            shown.append(a); used += cost
        }
        var image = [UInt8](repeating: 0, count: (shown.count + 1) * 8)
        var strings: [UInt8] = []
        let stringsBase = scratch + UInt64(image.count)
        for (i, a) in shown.enumerated() {
            let ptr = stringsBase + UInt64(strings.count)
            withUnsafeBytes(of: ptr.littleEndian) { image.replaceSubrange((i * 8)..<(8 + i * 8), with: $0) }
            strings += a + [0]
        }
        image += strings
        let written: Result<Void, Errno> = image.withUnsafeBytes { p in Result { () throws(Errno) in try writeMemory(tid, at: scratch, from: p) } }
        try written.get()
        let tgid = HostTID(truncatingIfNeeded: ProcStatus.field(tid, "Tgid:")?.first ?? Int64(tid))
        let (r, newTID, execed) = try inject(tid, SyscallNumber.execveat, (UInt64(TaskHostFD.stub), StubELF.zeroesAddress, scratch,
                                                                        StubELF.zeroesAddress, 0x1000 /* AT_EMPTY_PATH */, 0), tgid: tgid)
        if r < 0 { throw Errno(rawValue: Int32(truncatingIfNeeded: -r)) }
        // A result without an exec: the program's own filter answered (ERRNO 0, TRAP); the old
        // image is intact and execve fails.
        if !execed { throw Errno.notPermitted }
        return newTID
    }
}
