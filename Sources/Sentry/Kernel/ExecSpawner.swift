import Glibc
import LinuxABI
import Platform
import SystemPackage

/// `husk exec` inside the Sentry (docs/oci.md "exec"): new processes in a running sandbox.
///
/// A process the Sentry starts must be a host task of the sandbox's PID namespace, traced by
/// the Sentry and under the application filter, which only a task already inside can create.
/// At boot (OCI runtime only) the Sentry injects a clone with no exit signal into init: the
/// *holder*, a copy of the fresh stub image that never runs and stays at its first ptrace stop.
/// Each exec injects another such clone into the holder; the child (a pristine stub image again)
/// becomes a process with no parent in the sandbox (as runc's exec: its parent is outside),
/// leads its own session, and gets the program loaded as init's was. Its exit is reported to the
/// shim and its host zombie reaped by an injected wait4 in the holder. With no exit signal, the
/// holder and the exec'd processes are invisible to init's own waits (wait(2): only __WALL or
/// __WCLONE see such children).
final class ExecSpawner {
    unowned let kernel: Kernel
    /// Sends a RuntimeMessage reply to the shim.
    let reply: ([UInt8]) -> Void
    /// What every exec'd process starts with: init's at boot.
    let rlimits: ResourceLimits
    let seccomp: SeccompState
    let ipc: IPCNamespace
    let bounding: UInt64, inheritable: UInt64

    /// The holder's host tid once its clone was seen, and whether its first stop came.
    private(set) var holder: HostTID = -1
    private var holderReady = false
    /// The task whose injected clone makes the holder (until its `.cloned` event).
    private var holderParent: HostTID = -1

    /// A process whose clone was injected: what it becomes once its first stop comes.
    struct Pending {
        let session: UInt32
        let pid: Int32
        let plan: ExecPlan
        let fdTable: FDTable
        let fs: FSContext
        let creds: Credentials
        let console: Console?
    }
    private var awaitingClone: [Pending] = []
    private var awaitingStart: [HostTID: Pending] = [:]
    /// Terminals of running sessions (kept pumping until their process exits).
    private var consoles: [UInt32: Console] = [:]
    /// Exited processes whose host zombie the holder has not reaped yet.
    private var unreaped: [Int32] = []

    init(kernel: Kernel, initTask: Task, reply: @escaping ([UInt8]) -> Void) {
        self.kernel = kernel
        self.reply = reply
        rlimits = initTask.group.rlimits
        seccomp = initTask.seccomp
        ipc = initTask.ipc
        bounding = initTask.creds.bounding
        inheritable = initTask.creds.inheritable
    }

    /// Injects the holder's clone into init, which is held before its first instruction, and
    /// tells the shim its pid in the sandbox (`husk ps` leaves it out, as the Sentry).
    func makeHolder(from initTask: Task) throws(Errno) {
        holderParent = initTask.hostTID
        let r = try kernel.platform.injectSyscall(initTask.hostTID, SyscallNumber.clone, [0, 0, 0, 0, 0])
        if r < 0 {
            holderParent = -1
            throw Errno(rawValue: Int32(truncatingIfNeeded: -r))
        }
        reply(RuntimeMessage.reply(RuntimeMessage.holder, session: 0, value: Int32(truncatingIfNeeded: r)))
    }

    // MARK: Events the kernel hands over

    /// A `.cloned` event: true when the child is the holder or an exec'd process (neither is a
    /// child of its host parent in the sandbox's tree; the parent is inside an injection, which
    /// resumes it itself).
    func claimClone(parent: HostTID, child: HostTID) -> Bool {
        if parent == holderParent && holder < 0 {
            holder = child
            holderParent = -1
            if kernel.takeEarlyStart(child) { holderReady = true }
            if seccomp.mode != Seccomp.MODE_DISABLED { kernel.platform.setOwnSeccompFilters(child) }
            return true
        }
        guard parent == holder, !awaitingClone.isEmpty else { return false }
        let p = awaitingClone.removeFirst()
        if kernel.takeEarlyStart(child) { launch(p, hostTID: child) } else { awaitingStart[child] = p }
        return true
    }

    /// A `.started` event: true when it is the holder's (which stays stopped) or an exec'd
    /// process's (which is launched).
    func claimStart(_ tid: HostTID) -> Bool {
        if tid == holder {
            holderReady = true
            return true
        }
        guard let p = awaitingStart.removeValue(forKey: tid) else { return false }
        launch(p, hostTID: tid)
        return true
    }

    /// The last thread of an exec'd process exited with wait status `status`.
    func exited(_ group: ThreadGroup, session: UInt32, status: Int32) {
        reply(RuntimeMessage.reply(RuntimeMessage.exited, session: session, value: status))
        if let c = consoles.removeValue(forKey: session) { c.pump() }
        unreaped.append(group.pid)
        reapZombies()
    }

    /// wait4(pid, WNOHANG|__WALL) in the holder for each exited process not reaped yet.
    private func reapZombies() {
        guard holderReady else { return }
        unreaped = unreaped.filter { pid in
            let r = try? kernel.platform.injectSyscall(holder, SyscallNumber.wait4,
                                                       [UInt64(bitPattern: Int64(pid)), 0, UInt64(UInt32(bitPattern: WNOHANG | WaitOptions.__WALL)), 0])
            // 0: not a zombie yet (tried again at the next exit); an error: nothing to reap.
            return r == 0
        }
    }

    // MARK: Requests

    /// Starts `request` with `fds` (closed here on failure) as session `session`; the answer
    /// goes to the shim: `S` once it runs, `F` with an errno if it cannot start.
    func spawn(session: UInt32, _ request: ExecRequest, fds: [Int32]) {
        var console: Console?
        func fail(_ e: Errno) {
            if console == nil { for fd in fds { close(fd) } }
            reply(RuntimeMessage.reply(RuntimeMessage.failed, session: session, value: e.rawValue))
        }
        guard holderReady, fds.count == 3 else { return fail(holderReady ? .invalidArgument : .resourceTemporarilyUnavailable) }
        var creds = Credentials(uid: request.uid, gid: request.gid)
        creds.groups = request.groups
        // The container's sets unless --process names its own.
        creds.setCapabilities(bounding: request.capabilities?.bounding ?? bounding,
                              inheritable: request.capabilities?.inheritable ?? inheritable)
        let vfs = kernel.vfs
        let fs = FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022)
        let plan: ExecPlan
        do throws(Errno) {
            try fs.enter(request.cwd, vfs: vfs, creds: creds)
            plan = try findProgram(argv: request.argv.map { Array($0.utf8) }, envp: request.env.map { Array($0.utf8) },
                                   vfs: vfs, fs: fs, creds: creds)
        } catch {
            return fail(error)
        }
        let fdTable = FDTable(account: kernel.memory)
        if let t = request.terminal {
            do throws(Errno) {
                console = try Console(kernel: kernel, inFD: fds[0], outFD: fds[1], controlFD: fds[2], rows: t.rows, columns: t.columns,
                                      ownsFDs: true)
            } catch { return fail(error) }
            for fd: Int32 in 0...2 { _ = try? fdTable.install(console!.slave, at: fd, closeOnExec: false) }
        } else {
            for (fd, mode) in [(Int32(0), O_RDONLY), (1, O_WRONLY), (2, O_WRONLY)] {
                _ = try? fdTable.install(HostStreamFile(kernel: kernel, fd: fds[Int(fd)], accessMode: mode, ownsFD: true), at: fd, closeOnExec: false)
            }
        }
        let pid: Int64
        do throws(Errno) {
            pid = try kernel.platform.injectSyscall(holder, SyscallNumber.clone, [0, 0, 0, 0, 0])
        } catch {
            return fail(error)
        }
        if pid < 0 { return fail(Errno(rawValue: Int32(truncatingIfNeeded: -pid))) }
        awaitingClone.append(Pending(session: session, pid: Int32(truncatingIfNeeded: pid), plan: plan, fdTable: fdTable,
                                     fs: fs, creds: creds, console: console))
    }

    /// Sends `signal` to the process of `session`, if it still runs.
    func signal(session: UInt32, _ sig: Int32) {
        guard sig >= 1 && sig <= 64,
              let group = kernel.threadGroups.values.first(where: { $0.execSession == session && !$0.threads.isEmpty }) else { return }
        try? kernel.sendSignal(sig, toGroup: group)
    }

    /// The process's records, then the Loader, as for init at boot.
    private func launch(_ p: Pending, hostTID: HostTID) {
        let k = kernel
        // Its own session and process group, the leader of both (runc's exec'd processes do
        // not share init's; a terminal makes it the controlling process).
        guard (try? k.platform.injectSyscall(hostTID, SyscallNumber.setsid, [])) != nil else {
            // The clone vanished under us (the sandbox is ending), or will: its zombie is reaped.
            reply(RuntimeMessage.reply(RuntimeMessage.failed, session: p.session, value: Errno.noSuchProcess.rawValue))
            try? k.platform.signalThread(tgid: hostTID, tid: hostTID, signal: SIGKILL)
            try? k.platform.resume(hostTID, signal: 0)
            unreaped.append(p.pid)
            return
        }
        let group = ThreadGroup(hostTGID: hostTID, pid: p.pid, parent: nil, rlimits: rlimits)
        group.execSession = p.session
        let task = Task(kernel: k, hostTID: hostTID, tid: p.pid, group: group, fdTable: p.fdTable, fs: p.fs, creds: p.creds)
        task.ipc = ipc
        task.seccomp = seccomp
        if seccomp.mode != Seccomp.MODE_DISABLED { k.platform.setOwnSeccompFilters(hostTID) }
        if let c = p.console {
            c.terminal.session = p.pid
            c.terminal.foreground = p.pid
            consoles[p.session] = c
        }
        k.register(task)
        k.finishExec(task, p.plan)
        reply(RuntimeMessage.reply(RuntimeMessage.started, session: p.session, value: p.pid))
    }
}
