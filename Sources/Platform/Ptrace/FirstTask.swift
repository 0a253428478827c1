// Starting the first application task: PID 1 of a fresh PID namespace, confined, traced
// from before its filter exists, stopped at the exec event of its stub image.

import CHusk
import Glibc
import LinuxABI
import SystemPackage

extension PtracePlatform {
    /// `spec.fixedFDs` gets `taskControlFD` at `TaskHostFD.control` unless it names that
    /// target itself, and `spec.stubFD` at `TaskHostFD.stub` unless it is already listed.
    public func startFirstTask(_ spec: FirstTaskSpec) throws(Errno) -> HostTID {
        var fds = spec.fixedFDs
        if !fds.contains(where: { $0.targetFD == TaskHostFD.control }) { fds.append((taskControlFD, TaskHostFD.control)) }
        let execFD: Int32
        if let e = fds.first(where: { $0.hostFD == spec.stubFD }) { execFD = e.targetFD }
        else { fds.append((spec.stubFD, TaskHostFD.stub)); execFD = TaskHostFD.stub }
        guard fds.count <= 16 else { throw Errno.invalidArgument }

        let argv = Self.cStrings(spec.argv), envp = Self.cStrings(spec.envp)
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        let src = fds.map { $0.hostFD }, dst = fds.map { $0.targetFD }
        var syncFD: Int32 = -1, errFD: Int32 = -1
        let pid: Int = src.withUnsafeBufferPointer { s in
            dst.withUnsafeBufferPointer { d in
                argv.withUnsafeBufferPointer { a in
                    envp.withUnsafeBufferPointer { e in
                        filterProgram.withUnsafeBytes { f in
                            var c = chusk_first_task(src_fds: s.baseAddress, dst_fds: d.baseAddress, nfds: Int32(fds.count),
                                                     exec_fd: execFD, argv: a.baseAddress, envp: e.baseAddress,
                                                     filter: f.baseAddress, filter_len: UInt16(f.count / 8),
                                                     hide_mounts: spec.hideMounts ? 1 : 0,
                                                     task_uid: spec.hostIDs.map { Int($0.uid) } ?? -1,
                                                     task_gid: spec.hostIDs.map { Int($0.gid) } ?? -1,
                                                     user_notify: userNotify ? 1 : 0)
                            return chusk_spawn_first_task(&c, &syncFD, &errFD)
                        }
                    }
                }
            }
        }
        if pid < 0 { throw Errno(rawValue: Int32(-pid)) }
        let tid = HostTID(pid)
        defer { close(errFD) }

        // Seize with all options at once, then let the child load its filter and exec.
        let seized = chusk_ptrace(Int(CHUSK_PTRACE_SEIZE), tid, 0, Self.options)
        if seized < 0 {
            close(syncFD)                     // the child exits when its read sees EOF
            var st: Int32 = 0
            _ = chusk_waitpid(tid, &st, 0)
            throw Errno(rawValue: Int32(-seized))
        }
        var go: UInt8 = 1
        _ = write(syncFD, &go, 1)
        close(syncFD)

        while true {
            var status: Int32 = 0
            let r = chusk_waitpid(tid, &status, Int32(CHUSK_WALL))
            if r < 0 { throw Errno(rawValue: Int32(-r)) }
            if !WaitStatus.stopped(status) {
                var err: Int32 = 0
                let n = read(errFD, &err, 4)
                if n == 4 && err > 0 { throw Errno(rawValue: err) }
                // Under unotify the child reports a failure after its filter as its exit status.
                if userNotify && WaitStatus.exited(status) && (status >> 8) & 0xff != 0 { throw Errno(rawValue: (status >> 8) & 0xff) }
                throw Errno.noSuchProcess
            }
            let event = WaitStatus.event(status)
            if event == Int32(CHUSK_PTRACE_EVENT_EXEC) {
                if userNotify && listenerFD < 0 {
                    _ = chusk_tgkill(tid, tid, SIGKILL)
                    throw Errno.noSuchProcess
                }
                break
            }
            if userNotify && listenerFD < 0 && event == Int32(CHUSK_PTRACE_EVENT_SECCOMP) {
                do { try takeListener(tid) } catch {
                    _ = chusk_tgkill(tid, tid, SIGKILL)
                    throw error
                }
            }
            // The execveat's (or the failure report's) seccomp stop, an exit event: go on.
            let sig = event == 0 && WaitStatus.stopSignal(status) != SIGTRAP | 0x80 ? WaitStatus.stopSignal(status) : 0
            try Self.check(chusk_ptrace(Int(CHUSK_PTRACE_CONT), tid, 0, UInt(sig)))
        }
        var t = TracedTask()
        t.stop = .execEvent
        t.started = true
        try getRegs(tid, &t.regs)
        t.stub = readStubImage(tid, t.regs)
        tasks[tid] = t
        return tid
    }

    /// At the first task's execveat stop: its r9 names the listener the child's filter made
    /// (chusk_first_task); the Sentry takes a copy with pidfd_getfd, and the exec closes the
    /// task's own (close-on-exec), so no task ever holds one.
    func takeListener(_ tid: HostTID) throws(Errno) {
        var regs = user_regs_struct()
        try getRegs(tid, &regs)
        guard Int(Int64(bitPattern: regs.orig_rax)) == SyscallNumber.execveat, regs.r9 < 1 << 20 else { return }
        let fd = chusk_take_task_fd(tid, Int32(regs.r9))
        if fd < 0 { throw Errno(rawValue: Int32(-fd)) }
        listenerFD = Int32(fd)
        listenerTaken()
    }

    static func cStrings(_ list: [String]) -> [UnsafeMutablePointer<CChar>?] {
        list.map { strdup($0) } + [nil]
    }
}
