import Glibc
import LinuxABI
import Platform
import SystemPackage

/// Process creation, exec, namespaces and task attributes (prctl).
enum SysProcess {
    /// The clone flags the application filter refuses outright (EPERM), before any stop: they
    /// would escape tracing or create namespaces.
    static var refusedCloneFlags: [NativeRule] {
        let flags: [(UInt64, String)] = [
            (CloneFlags.CLONE_NEWNS, "CLONE_NEWNS"), (CloneFlags.CLONE_NEWCGROUP, "CLONE_NEWCGROUP"),
            (CloneFlags.CLONE_NEWUTS, "CLONE_NEWUTS"),
            (CloneFlags.CLONE_NEWUSER, "CLONE_NEWUSER"), (CloneFlags.CLONE_NEWPID, "CLONE_NEWPID"),
            (CloneFlags.CLONE_NEWNET, "CLONE_NEWNET"),
        ]
        return flags.map { flag, why in .refuse(.notPermitted, why, [.arg(0, masked: flag, equals: flag)]) }
    }

    /// clone(2): flags checked here, then the host creates the task (traced from birth).
    /// CLONE_NEWIPC is the Sentry's: the host runs the clone without it and the child gets a
    /// fresh IPC namespace when it appears (Kernel.adoptClone).
    static func clone(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let flags = a[0]
        // The other namespaces are refused (inside, nobody is privileged on the host, and the
        // application filter refuses them as well).
        if flags & CloneFlags.namespaces & ~CloneFlags.CLONE_NEWIPC != 0 { return .error(.notPermitted) }
        // The host would install a host pidfd in the task's (invisible) fd table: not offered,
        // pidfd_open gives the sandbox's own.
        if flags & CloneFlags.CLONE_PIDFD != 0 { return .error(.invalidArgument) }
        if flags & CloneFlags.CLONE_THREAD != 0 && flags & CloneFlags.CLONE_SIGHAND == 0 { return .error(.invalidArgument) }
        if flags & CloneFlags.CLONE_SIGHAND != 0 && flags & CloneFlags.CLONE_VM == 0 { return .error(.invalidArgument) }
        if flags & CloneFlags.CLONE_NEWIPC != 0 {
            // copy_process: a new namespace cannot share the old one's SEM_UNDO list; then
            // create_new_namespaces needs CAP_SYS_ADMIN.
            if flags & CloneFlags.CLONE_SYSVSEM != 0 { return .error(.invalidArgument) }
            if !t.creds.has(Capability.sysAdmin) { return .error(.notPermitted) }
            guard t.platform.capabilities(at: t.hostTID).contains(.rewriteArgument) else { return .error(.notPermitted) }
            t.pendingCloneFlags = flags
            do {
                try t.platform.complete(t.hostTID, .runNativeWithArgument(index: 0, value: flags & ~(CloneFlags.CLONE_NEWIPC | CloneFlags.CLONE_UNTRACED)))
            } catch {
                t.pendingCloneFlags = 0
                return .error(error)
            }
            return .handled
        }
        t.pendingCloneFlags = flags
        if flags & CloneFlags.CLONE_UNTRACED != 0 {
            // The program's tracer must not follow the child (ptrace inside the sandbox);
            // the host's tracer, the Sentry, always does: the host runs it without the flag.
            return .nativeWith([flags & ~CloneFlags.CLONE_UNTRACED, a[1], a[2], a[3], a[4], a[5]])
        }
        return .native
    }

    /// execve(2).
    static func execve(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        exec(t, dirfd: AtFlags.AT_FDCWD, pathAddress: a[0], argvAddress: a[1], envpAddress: a[2], flags: 0)
    }

    /// execveat(2).
    static func execveat(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        exec(t, dirfd: a.int(0), pathAddress: a[1], argvAddress: a[2], envpAddress: a[3], flags: a.int(4))
    }

    static func exec(_ t: Task, dirfd: Int32, pathAddress: UInt64, argvAddress: UInt64, envpAddress: UInt64, flags: Int32) -> SyscallReturn {
        do {
            if flags & ~(AtFlags.AT_EMPTY_PATH | AtFlags.AT_SYMLINK_NOFOLLOW) != 0 { throw Errno.invalidArgument }
            let path = try t.copyInString(pathAddress)
            let argv = try t.copyInStringArray(argvAddress)
            let envp = try t.copyInStringArray(envpAddress)
            if path.isEmpty && flags & AtFlags.AT_EMPTY_PATH == 0 { throw Errno.noSuchFileOrDirectory }
            let plan: ExecPlan
            if path.isEmpty {
                // execveat(fd, "", AT_EMPTY_PATH): the file fd refers to, named "/dev/fd/N"
                // (AT_EXECFN and a script's argv) as Linux does.
                let target = dirfd == AtFlags.AT_FDCWD ? t.fs.cwd : try t.fdTable.get(dirfd).dentry
                let fdPath = Array("/dev/fd/\(dirfd)".utf8)
                var first = true
                plan = try ExecPlan.prepare(path: fdPath, argv: argv, envp: envp) { (p: [UInt8]) throws(Errno) -> FileDescription in
                    if first && p == fdPath {
                        first = false
                        guard let target else { throw .permissionDenied }
                        return try t.openDentryForExec(target)
                    }
                    return try t.openForExec(p, at: nil)
                }
            } else {
                let base: Dentry? = dirfd == AtFlags.AT_FDCWD || path.first == UInt8(ascii: "/") ? nil : try t.directoryBase(dirfd)
                plan = try ExecPlan.prepare(path: path, argv: argv, envp: envp) { (p: [UInt8]) throws(Errno) -> FileDescription in
                    try t.openForExec(p, at: base, followFinal: flags & AtFlags.AT_SYMLINK_NOFOLLOW == 0)
                }
            }
            try t.kernel.execute(t, plan)
            return .handled
        } catch {
            return .error(error as! Errno)
        }
    }

    /// unshare(2): the fd table, the fs context, the SEM_UNDO list and the IPC namespace can be
    /// unshared; other namespaces cannot be created inside the sandbox, which Linux reports as
    /// EPERM to a process without the capability.
    static func unshare(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let flags = a[0]
        let known = CloneFlags.CLONE_FILES | CloneFlags.CLONE_FS | CloneFlags.CLONE_SYSVSEM | CloneFlags.CLONE_THREAD
            | CloneFlags.CLONE_SIGHAND | CloneFlags.CLONE_VM | CloneFlags.namespaces
        if flags & ~known != 0 { return .error(.invalidArgument) }
        if flags & (CloneFlags.CLONE_THREAD | CloneFlags.CLONE_SIGHAND | CloneFlags.CLONE_VM) != 0 && t.group.threads.count > 1 {
            return .error(.invalidArgument)
        }
        if flags & CloneFlags.namespaces & ~CloneFlags.CLONE_NEWIPC != 0 { return .error(.notPermitted) }
        if flags & CloneFlags.CLONE_NEWIPC != 0 && !t.creds.has(Capability.sysAdmin) { return .error(.notPermitted) }
        if flags & CloneFlags.CLONE_FILES != 0 { t.fdTable = t.fdTable.copy() }
        if flags & CloneFlags.CLONE_FS != 0 { t.fs = t.fs.copy() }
        // CLONE_NEWIPC implies CLONE_SYSVSEM, which applies the SEM_UNDO adjustments as an exit
        // would; the new namespace is empty (IPC/IPCNamespace.swift).
        if flags & (CloneFlags.CLONE_NEWIPC | CloneFlags.CLONE_SYSVSEM) != 0 { t.group.semaphoreUndo.apply(pid: t.group.pid) }
        if flags & CloneFlags.CLONE_NEWIPC != 0 { t.ipc = IPCNamespace(memory: t.kernel.memory, mqueueUsers: t.ipc.mqueue.users) }
        return .zero
    }

    /// setns(2): no namespace files exist inside the sandbox.
    static func setns(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do { _ = try t.fdTable.get(a.int(0)) } catch { return .error(error) }
        return .error(.invalidArgument)
    }

    /// prctl(2): the options a program may use on itself inside the sandbox.
    static func prctl(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        switch a.int(0) {
        case Prctl.PR_SET_NAME:
            do {
                let name = try t.copyInBytes(a[1], count: 16)
                t.comm = Array(name.prefix { $0 != 0 }.prefix(15))
            } catch { return .error(error) }
            return .zero
        case Prctl.PR_GET_NAME:
            var out = t.comm
            out.append(contentsOf: repeatElement(0, count: 16 - out.count))
            do { try t.copyOut(a[1], out) } catch { return .error(error) }
            return .zero
        case Prctl.PR_GET_DUMPABLE:
            return .value(Int64(t.group.dumpable))
        case Prctl.PR_SET_DUMPABLE:
            // SUID_DUMP_DISABLE or SUID_DUMP_USER; SUID_DUMP_ROOT (2) is only fs.suid_dumpable's.
            guard a[1] == UInt64(Dumpable.disabled) || a[1] == UInt64(Dumpable.user) else { return .error(.invalidArgument) }
            t.group.dumpable = Int32(a[1])
            return .zero
        case Prctl.PR_SET_PDEATHSIG:
            guard a[1] <= 64 else { return .error(.invalidArgument) }
            t.parentDeathSignal = Int32(a[1])
            return .zero
        case Prctl.PR_GET_PDEATHSIG:
            do { try t.copyOutValue(a[1], t.parentDeathSignal) } catch { return .error(error) }
            return .zero
        case Prctl.PR_SET_NO_NEW_PRIVS:
            // Every task already runs with no_new_privs on the host; setting it again is a no-op.
            return a[1] == 1 && a[2] == 0 && a[3] == 0 && a[4] == 0 ? .zero : .error(.invalidArgument)
        case Prctl.PR_GET_NO_NEW_PRIVS:
            return .value(1)
        case Prctl.PR_CAPBSET_READ:
            guard a[1] <= UInt64(Credentials.lastCapability) else { return .error(.invalidArgument) }
            return .value(t.creds.bounding & (UInt64(1) << a[1]) != 0 ? 1 : 0)
        case Prctl.PR_CAPBSET_DROP:
            guard a[1] <= UInt64(Credentials.lastCapability) else { return .error(.invalidArgument) }
            guard t.creds.has(Capability.setpcap) else { return .error(.notPermitted) }
            t.creds.bounding &= ~(UInt64(1) << a[1])
            return .zero
        case Prctl.PR_GET_KEEPCAPS:
            return .value(t.creds.keepCapabilities ? 1 : 0)
        case Prctl.PR_SET_KEEPCAPS:
            guard a[1] <= 1 else { return .error(.invalidArgument) }
            t.creds.keepCapabilities = a[1] == 1
            return .zero
        case Prctl.PR_SET_CHILD_SUBREAPER:
            // Recorded for the Sentry's process tree, and run natively: the host reparents the
            // orphans (wait4 and getppid run natively).
            t.group.isChildSubreaper = a[1] != 0
            return .native
        case Prctl.PR_GET_SECCOMP, Prctl.PR_SET_SECCOMP:
            return SysSeccomp.prctl(t, a)
        case Prctl.PR_GET_CHILD_SUBREAPER:
            do { try t.copyOutValue(a[1], Int32(t.group.isChildSubreaper ? 1 : 0)) } catch { return .error(error) }
            return .zero
        default:
            return .error(.invalidArgument)
        }
    }
}

extension Kernel {
    /// Replaces the task's image with `plan`: the point of no return of execve.
    func execute(_ task: Task, _ plan: ExecPlan) throws(Errno) {
        strace?.native(task, SyscallArguments(SyscallRegisters(nr: SyscallNumber.execve, args: (0, 0, 0, 0, 0, 0), ip: 0, sp: 0)))
        let newTID = try platform.execStub(task.hostTID, argv: plan.argv)
        if newTID != task.hostTID {
            let old = task.hostTID
            task.rename(hostTID: newTID, tid: task.group.pid)
            taskChangedTID(task, from: old, to: newTID)
        }
        finishExec(task, plan)
    }

    /// After the stub image is in place: exec semantics for the Sentry's records, then the Loader.
    func finishExec(_ task: Task, _ plan: ExecPlan) {
        // The dumpable flag is decided on the old credentials, then commit_creds may clear it
        // (Kernel/Dumpable.swift); an open /proc/PID/mem no longer reaches the new image.
        task.group.dumpable = execDumpability(task, plan)
        task.group.execGeneration += 1
        // Capabilities across execve for a process without file capabilities (capabilities(7)):
        // root keeps its bounding set, everyone else loses them; keepcaps is reset.
        var c = task.creds
        if c.uid == 0 || c.euid == 0 {
            c.permitted = c.inheritable | c.bounding
            c.effective = c.euid == 0 ? c.permitted : 0
        } else {
            c.permitted = 0
            c.effective = 0
        }
        c.keepCapabilities = false
        task.creds = c
        // execve unshares the fd table when another process shares it (CLONE_FILES without
        // CLONE_THREAD); otherwise the table, and the record locks it owns, carry over.
        let table = task.fdTable
        if tasks.values.contains(where: { $0.fdTable === table && $0.group !== task.group }) {
            task.fdTable = table.copy()
        }
        flushMessageQueuesOnExec(task)
        task.fdTable.closeOnExec()
        let g = task.group
        for i in g.signalActions.indices where g.signalActions[i].handler > 1 { g.signalActions[i] = SignalAction() }
        // POSIX timers do not survive execve (ITIMER_REAL does).
        for timer in g.posixTimers.values { timer.timer.cancel() }
        g.posixTimers.removeAll()
        task.ipc.dropAttachments(of: g)   // the old address space and its shmat mappings are gone
        g.executablePath = plan.executablePath
        g.argv = plan.argv
        g.environ = plan.envp
        g.name = plan.comm
        task.threadName = nil   // the exec'd thread leads the process now
        do {
            _ = try Loader.load(plan, into: task)
            if !ptraceExec(task, formerTID: task.tid) { try platform.resume(task.hostTID, signal: 0) }
        } catch {
            // Past the point of no return Linux kills the process with SIGSEGV. The program's
            // own filter meets the Loader's injected calls, which Linux's in-kernel loader never
            // makes: say so, as the one departure such a filter causes.
            if task.seccomp.mode != Seccomp.MODE_DISABLED {
                report("husk: sentry: execve of task \(task.tid) failed after its point of no return (\(error)), under its own seccomp filter: killed")
            }
            kill(task, signal: SIGKILL)
        }
    }
}

extension Task {
    /// Opens a file for execution, resolved in the task's view.
    func openForExec(_ path: [UInt8], at base: Dentry?, followFinal: Bool = true) throws(Errno) -> FileDescription {
        try openExecutable(vfs: kernel.vfs, fs: fs, creds: creds, path, at: base, followFinal: followFinal)
    }

    /// The directory an *at() call starts from.
    func directoryBase(_ dirfd: Int32) throws(Errno) -> Dentry {
        guard let d = try fdTable.get(dirfd).dentry else { throw .notDirectory }
        return d
    }
}
