import CHusk
import Glibc
import LinuxABI
import Platform
import SystemPackage

/// The Sentry kernel: the task table, the VFS, the syscall table and the event loop. It runs on
/// one thread (ptrace requests must come from the tracer thread), so its state has no locks.
public final class Kernel {
    public let platform: Platform
    public let vfs: VFS
    /// Tasks by host tid.
    public private(set) var tasks: [HostTID: Task] = [:]
    /// Thread groups by host tgid.
    public private(set) var threadGroups: [HostTID: ThreadGroup] = [:]
    public let strace: Strace?
    /// Deadlines the event loop wakes for (poll/select/epoll timeouts; Timers.swift).
    public let timers = TimerQueue()
    public let uts: UTSNamespace
    /// The sandbox's System V IPC namespace (IPC/IPCNamespace.swift).
    public let ipc: IPCNamespace
    /// The sandbox's network namespace: unix socket names, the network mode (FS/UnixSocket.swift).
    public let network = NetworkNamespace()
    /// The program's terminal, when husk run sits on one.
    public let terminal: TerminalInfo?
    /// The console pty of husk run -t (TTY/Console.swift), which the kernel keeps pumping.
    var console: Console?
    /// The OCI runtime's control channel (kill from `husk kill`), when the shim started us.
    var runtimeControl: RuntimeControl?
    /// Starts `husk exec`'s processes (ExecSpawner.swift), when the shim started us.
    var execSpawner: ExecSpawner?
    /// Watches the host's realtime clock for timerfds armed with TFD_TIMER_CANCEL_ON_SET
    /// (Syscalls/SysTimerfd.swift); made on first use.
    var realtimeClockWatch: RealtimeClockWatch?
    /// The first application process; its exit ends the sandbox.
    public private(set) var initGroup: ThreadGroup?
    /// Processes that exited and that their parent may not have reaped yet (Kernel/Zombies.swift).
    var zombies: [Int32: Zombie] = [:]
    /// Syscalls that reached the Sentry without a handler, by number, with counts.
    public private(set) var unimplemented: [Int: Int] = [:]
    /// Calls that stopped in the Sentry, by number (husk run --stats): one increment per call.
    let servedCounts: UnsafeMutablePointer<UInt64> = {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: Kernel.countedSyscalls)
        p.initialize(repeating: 0, count: Kernel.countedSyscalls)
        return p
    }()
    static let countedSyscalls = 512
    /// What the Sentry holds on the program's request, capped below the sandbox's memory
    /// (MemoryAccount.swift). Made at boot from the --memory limit and given to the VFS first,
    /// whose tmpfs mounts and overlay charge it; the Kernel holds it for everything else.
    public let memory: MemoryAccount
    /// The pipe sysctls, each user's pipe slots and the pipe inode numbers (Pipe.swift).
    public let pipeLimits = PipeLimits()
    /// Notified whenever the Sentry sends a signal or a child exits: signalfd readers and
    /// pollers wait here (Syscalls/SysSignalfd.swift).
    let signalQueue = WaitQueue()
    /// Each user's inotify instances (Inotify.swift).
    public let inotifyInstances = InotifyInstances()
    /// ptrace between tasks of the sandbox (PtraceState.swift).
    let ptrace = PtraceTable()

    private let epollFD: Int32
    private var hostWatches: [Int32: WaitQueue] = [:]
    /// Tasks whose wait queue fired: retried from the loop, never from inside another handler.
    private var runQueue: [Task] = []
    /// Events for tasks the kernel has not met yet (a child's first stop racing its parent's
    /// clone event); replayed when the task is registered.
    private var early: [HostTID: [TaskEvent]] = [:]
    private var finalStatus: Int32?
    /// Whether the binary's clean pages were dropped since the event loop last had work.
    private var idleTrimmed = false
    /// After this long with nothing to do the Sentry drops its binary's clean pages (they stay
    /// in the page cache and fault back in when it serves again): an idle sandbox keeps only
    /// what it uses (docs/startup.md "Memory").
    static let idleTrimMillis: Int32 = 200
    var debugEvents = false
    /// SIGINT, SIGTERM and SIGHUP that husk run forwards to the Sentry.
    private var hostSignalFD: Int32 = -1
    /// Set when the Sentry ended the program on a forwarded signal it had no handler for:
    /// the exit is reported as death by that signal.
    private var terminatingSignal: Int32?

    /// `hostSignals`: whether this Kernel takes the SIGINT/SIGTERM/SIGHUP husk run forwards
    /// (blocked in the whole process and read from a signalfd). The Sentry's one Kernel does; a
    /// test's Kernels do not, so that two never split the signals between them and the test
    /// process keeps its own.
    public init(platform: Platform, vfs: VFS, strace: Strace?, terminal: TerminalInfo?, hostSignals: Bool = true) {
        self.platform = platform
        self.vfs = vfs
        self.memory = vfs.memory
        self.strace = strace
        self.terminal = terminal
        self.uts = UTSNamespace()
        self.ipc = IPCNamespace(memory: vfs.memory)
        vfs.attachMqueue(ipc.mqueue.root)
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        watch(platform.eventFD, queue: nil)
        if hostSignals {
            var forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP]
            hostSignalFD = chusk_signalfd_block(&forwarded, Int32(forwarded.count))
            if hostSignalFD >= 0 { watch(hostSignalFD, queue: nil) }
        }
    }

    deinit {
        if hostSignalFD >= 0 { close(hostSignalFD) }
        if epollFD >= 0 { close(epollFD) }
    }

    // MARK: Host fds the loop watches

    /// Adds a host fd to the loop's epoll set (edge-triggered): readiness changes notify `queue`.
    public func watch(_ fd: Int32, queue: WaitQueue?) {
        _ = chusk_epoll_add(epollFD, fd, EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue)
        if let queue { hostWatches[fd] = queue }
    }

    public func unwatch(_ fd: Int32) {
        _ = chusk_epoll_del(epollFD, fd)
        hostWatches[fd] = nil
    }

    // MARK: Task table

    /// Takes a child's first stop out of the events kept for tasks not known yet; true if it
    /// was there (ExecSpawner's children, whose clone event may come second).
    func takeEarlyStart(_ tid: HostTID) -> Bool {
        guard var evs = early[tid] else { return false }
        let before = evs.count
        evs.removeAll { if case .started = $0 { return true } else { return false } }
        early[tid] = evs.isEmpty ? nil : evs
        return evs.count != before
    }

    func register(_ task: Task) {
        tasks[task.hostTID] = task
        task.group.threads.append(task)
        threadGroups[task.group.hostTGID] = task.group
        if initGroup == nil { initGroup = task.group }
        if let pending = early.removeValue(forKey: task.hostTID) {
            for ev in pending { handle(ev) }
        }
    }

    public func threadGroup(pid: Int32) -> ThreadGroup? {
        threadGroups.values.first { $0.pid == pid }
    }

    /// Creates the first task's records once the Platform started it.
    func adoptFirstTask(hostTID: HostTID, fdTable: FDTable, fs: FSContext, creds: Credentials, rlimits: ResourceLimits = ResourceLimits()) -> Task {
        let group = ThreadGroup(hostTGID: hostTID, pid: 1, parent: nil, rlimits: rlimits)
        let task = Task(kernel: self, hostTID: hostTID, tid: 1, group: group, fdTable: fdTable, fs: fs, creds: creds)
        register(task)
        return task
    }

    // MARK: The event loop

    /// Runs until the first process exits; returns its wait status.
    public func run() -> Int32 {
        var readyFDs = [Int32](repeating: 0, count: 32)
        var readyEvents = [UInt32](repeating: 0, count: 32)
        while finalStatus == nil {
            serveReady()
            if finalStatus != nil { break }
            let due = timers.timeoutMillis()
            let shortened = !idleTrimmed && (due < 0 || due > Self.idleTrimMillis)
            var n = chusk_epoll_wait(epollFD, &readyFDs, &readyEvents, 32, shortened ? Self.idleTrimMillis : due)
            if n == 0 && shortened {
                // Idle: drop the clean pages and wait on in one C call (chusk_idle_trim_epoll_wait),
                // unless a timer fell due meanwhile.
                idleTrimmed = true
                let rest = timers.timeoutMillis()
                if rest == 0 { continue }
                n = chusk_idle_trim_epoll_wait(epollFD, &readyFDs, &readyEvents, 32, rest)
                if n == 0 { continue }
            }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            idleTrimmed = false
            for i in 0..<Int(n) {
                let fd = readyFDs[i]
                if fd == platform.eventFD { continue }  // drained by drainPlatformEvents
                if fd == hostSignalFD {
                    while case let sig = chusk_signalfd_read(fd), sig > 0 { hostSignal(sig) }
                    continue
                }
                if let q = hostWatches[fd] {
                    var mask: EventMask = 0
                    let e = readyEvents[i]
                    if e & EPOLLIN.rawValue != 0 { mask |= PollEvents.input }
                    if e & EPOLLOUT.rawValue != 0 { mask |= PollEvents.output }
                    if e & EPOLLERR.rawValue != 0 { mask |= PollEvents.error }
                    if e & (EPOLLHUP.rawValue | EPOLLRDHUP.rawValue) != 0 { mask |= PollEvents.hangUp | PollEvents.input }
                    q.notify(mask)
                }
            }
        }
        return finalStatus ?? (128 + SIGKILL)
    }

    /// Serves what is ready without waiting: the Platform's events, expired timers and the
    /// tasks their wait queues woke (one turn of `run` before epoll_wait; tests drive it).
    func serveReady() {
        drainPlatformEvents()
        timers.fireExpired()
        drainRunQueue()
    }

    private func drainPlatformEvents() {
        while let ev = platform.nextEvent() {
            handle(ev)
        }
    }

    private func drainRunQueue() {
        while !runQueue.isEmpty {
            let batch = runQueue
            runQueue.removeAll()
            for task in batch {
                guard let parked = task.parked, tasks[task.hostTID] === task else { continue }
                parked.waiter.cancel()
                task.parked = nil
                dispatch(task, parked.args, retry: true)
            }
            drainPlatformEvents()
        }
    }

    private func handle(_ event: TaskEvent) {
        if debugEvents {
            switch event {
            case .syscall(let t, let r): debugLog("ev syscall \(t) \(r.nr)")
            default: debugLog("ev \(event)")
            }
        }
        switch event {
        case .groupStopped(let tid, _): tasks[tid]?.jobStopped = true
        case .syscall(let tid, _), .signalled(let tid, _), .exiting(let tid, _), .started(let tid): tasks[tid]?.jobStopped = false
        default: break
        }
        switch event {
        case .syscall(let tid, let regs):
            guard let task = tasks[tid] else { early[tid, default: []].append(event); return }
            dispatch(task, SyscallArguments(regs), retry: false)
        case .cloned(let parent, let child, let kind):
            if let s = execSpawner, s.claimClone(parent: parent, child: child) { return }
            guard let parentTask = tasks[parent] else { early[parent, default: []].append(event); return }
            // The child's early first stop waits until a tracer of the parent has it too.
            let childEarly = early.removeValue(forKey: child)
            let untraced = parentTask.pendingCloneFlags & CloneFlags.CLONE_UNTRACED != 0
            adoptClone(parentTask, childTID: child, kind: kind)
            let held = !untraced && ptraceClone(parentTask, childTID: child, kind: kind)
            for ev in childEarly ?? [] { handle(ev) }
            if !held { resume(parent) }
        case .started(let tid):
            if let s = execSpawner, s.claimStart(tid) { return }
            guard let task = tasks[tid] else { early[tid, default: []].append(event); return }
            if ptraceStartStop(task) { return }
            resume(tid)
        case .execed(let tid, _):
            // Execs happen inside execve's handler (Platform.execStub); a stray one just continues.
            resume(tid)
        case .exiting(let tid, let status):
            if let task = tasks[tid], ptraceExitStop(task, status: status) { return }
            resume(tid)
        case .exited(let tid, let status):
            taskExited(tid, status: status)
            signalQueue.notify(PollEvents.input)   // the parent's SIGCHLD
        case .signalled(let tid, let signal):
            guard let task = tasks[tid] else { early[tid, default: []].append(event); return }
            task.unseenSignals &= ~(UInt64(1) << UInt64(signal - 1))
            restartUnreceivedCall(task)
            applySignalInfo(task, signal)
            if ptraceSignalStop(task, signal) { return }
            do { try platform.resume(tid, signal: signal) } catch { taskVanished(tid) }
        case .groupStopped(let tid, let signal):
            if let parent = tasks[tid]?.group.parent { ptrace.notify(parent) }   // its WUNTRACED waits
            if let task = tasks[tid], ptraceGroupStop(task, signal) { return }
            // Stay stopped as Linux would (the real parent sees it through wait) until SIGCONT.
            do { try platform.holdGroupStop(tid) } catch { taskVanished(tid) }
        case .syscallStop(let tid, let exit):
            if let task = tasks[tid], ptraceSyscallStop(task, exit: exit) { return }
            resume(tid)
        case .interrupted(let tid):
            if let task = tasks[tid], ptraceInterruptStop(task) { return }
            resume(tid)
        case .vforkDone(let tid, let child):
            if let task = tasks[tid], ptraceVforkDone(task, child: tasks[child]?.tid ?? task.vforkChild) { return }
            resume(tid)
        }
    }

    /// A notified call that a signal took the task out of before the Sentry received it
    /// (unotify) ends in EINTR under a handler without SA_RESTART, though Linux never interrupts
    /// most of these calls: a close, a stat, a read of a regular file. Such a call is issued again
    /// after the handler instead (a shell's close of a pipe end, cut short by its SIGCHLD, left
    /// the pipe open and the pipeline waiting for ever).
    private func restartUnreceivedCall(_ task: Task) {
        guard let regs = platform.unreceivedCall(task.hostTID), Self.linuxNeverInterrupts(task, SyscallArguments(regs)) else { return }
        do { try platform.restartUnreceivedCall(task.hostTID) } catch { taskVanished(task.hostTID) }
    }

    /// Whether Linux would have finished this notified call without ever sleeping
    /// interruptibly: everything on the notify list but a read or write of a file that can
    /// block (a pipe, a socket, a terminal) and is not ready now, and fcntl's waiting locks.
    /// A ready one would not have slept (a read of a pipe holding data returns it, never EINTR).
    /// Opens are counted as never interrupted, a FIFO's too (which Linux may interrupt while it
    /// waits for the other end): the path is not resolved here, and a regular file's open must
    /// never end in EINTR.
    static func linuxNeverInterrupts(_ task: Task, _ args: SyscallArguments) -> Bool {
        switch args.number {
        case SyscallNumber.read, SyscallNumber.write, SyscallNumber.readv, SyscallNumber.writev,
             SyscallNumber.pread64, SyscallNumber.pwrite64:
            guard let file = task.fdTable[args.int(0)]?.file, let mode = try? file.stat().mode else { return false }
            let type = mode & FileMode.S_IFMT
            if type == FileMode.S_IFREG || type == FileMode.S_IFDIR { return true }
            let reading = args.number == SyscallNumber.read || args.number == SyscallNumber.readv || args.number == SyscallNumber.pread64
            let wanted = reading ? PollEvents.input : PollEvents.output
            return file.readiness(wanted) & wanted != 0
        case SyscallNumber.fcntl:
            let cmd = Int32(truncatingIfNeeded: args.int(1))
            return cmd != Fcntl.F_SETLKW && cmd != Fcntl.F_OFD_SETLKW
        default:
            return true
        }
    }

    private func resume(_ tid: HostTID) {
        do { try platform.resume(tid, signal: 0) } catch { taskVanished(tid) }
    }

    // MARK: Syscall dispatch

    func dispatch(_ task: Task, _ args: SyscallArguments, retry: Bool) {
        let nr = args.number
        if !retry && SyscallTable.notifies(nr) && reissueStopped(task, args) { return }
        if !retry && task.seccomp.mode != Seccomp.MODE_DISABLED && applyProgramFilters(task, args) { return }
        serve(task, args, retry: retry)
    }

    /// Runs the call's handler (past the program's own filters) and carries out its decision.
    func serve(_ task: Task, _ args: SyscallArguments, retry: Bool) {
        let nr = args.number
        if !retry {
            task.beginSyscall()
            if nr >= 0 && nr < Kernel.countedSyscalls { servedCounts[nr] &+= 1 }
        }
        if let strace, !retry { strace.enter(task, args) }
        let result: SyscallReturn
        if let handler = SyscallTable.handler(nr) {
            result = handler(task, args)
        } else if let entry = SyscallTable.entry(nr), !entry.stops {
            // A call the filter answers never stops; if one does (a platform without the
            // filter), it gets the same answer.
            if case .refuse(let e, _) = entry.handling { result = .error(e) } else { result = .native }
        } else {
            unimplemented[nr, default: 0] += 1
            result = .error(.noFunction)
        }
        complete(task, args, result)
    }

    /// A notified call (unotify) on a file whose calls need the task stopped: issued again
    /// through ptrace (it comes back as a new `.syscall` event). The fd is argument 0 of every
    /// such call; an *at call's directory fd of that kind is re-issued too (and fails the same).
    private func reissueStopped(_ task: Task, _ args: SyscallArguments) -> Bool {
        guard let file = task.fdTable[args.int(0)]?.file, file.needsStoppedTask else { return false }
        let caps = platform.capabilities(at: task.hostTID)
        guard !caps.contains(.stoppedTask), caps.contains(.reissueStopped) else { return false }
        do { try platform.complete(task.hostTID, .reissueStopped) } catch { taskVanished(task.hostTID) }
        return true
    }

    /// Carries out a handler's decision.
    func complete(_ task: Task, _ args: SyscallArguments, _ result: SyscallReturn) {
        let tid = task.hostTID
        do {
            switch result {
            case .value(let v):
                strace?.exit(task, args, v)
                try platform.complete(tid, .skip(v))
            case .error(let e):
                strace?.exit(task, args, e.syscallResult)
                try platform.complete(tid, .skip(e.syscallResult))
            case .native:
                strace?.native(task, args)
                try platform.complete(tid, .runNative)
            case .nativeWith(let rewritten):
                strace?.native(task, args)
                try platform.complete(tid, .runNativeWith(rewritten))
            case .block(let queue, let mask):
                let waiter = Waiter(mask: mask) { [unowned self, unowned task] _ in
                    self.runQueue.append(task)
                }
                task.parked = (args, waiter)
                queue.add(waiter)
                wakeForUnseenChildSignal(task)
                wakeForUnseenSignals(task)
                // A file that became ready between the handler's check and now: retry at once.
            case .handled:
                break
            }
        } catch {
            taskVanished(tid)
        }
    }

    /// A child's exit the Sentry saw while `task` was stopped between entering a call and
    /// parking in it: the host's SIGCHLD waits on the stopped thread, which only the Sentry can
    /// wake (gdb's poll on its SIGCHLD self-pipe otherwise sleeps for ever).
    /// A signal the Sentry sent while `task` was on its way into the call that just parked
    /// (Signals.signalSent): still pending on the host thread, it ends the call as Linux's
    /// signal_pending check would (a tracer's SIGCHLD for its tracee's stop, sent while gdb
    /// entered poll, left gdb waiting for ever).
    private func wakeForUnseenSignals(_ task: Task) {
        let unseen = task.unseenSignals
        guard unseen != 0, task.parked != nil else { return }
        task.unseenSignals = 0
        let pending = HostProc.pendingSignals(task.hostTID) & unseen
        guard pending != 0 else { return }
        for sig in Int32(1)...64 where pending & (UInt64(1) << UInt64(sig - 1)) != 0 && !blocks(task, sig) {
            signalPending(sig, on: task)
            return
        }
    }

    private func wakeForUnseenChildSignal(_ task: Task) {
        guard task.group.childSignalUnseen else { return }
        task.group.childSignalUnseen = false
        guard !blocks(task, SIGCHLD), !isWaitingForChildren(task) else { return }
        let bit = UInt64(1) << UInt64(SIGCHLD - 1)
        if HostProc.pendingSignals(task.hostTID) & bit != 0 { signalPending(SIGCHLD, on: task) }
    }

    // MARK: Process lifecycle

    private func adoptClone(_ parent: Task, childTID: HostTID, kind: CloneKind) {
        let flags: UInt64
        switch kind {
        // A clone with SIGCHLD alone is reported as a fork: CLONE_NEWIPC comes from its handler.
        case .fork: flags = UInt64(SIGCHLD) | (parent.pendingCloneFlags & CloneFlags.CLONE_NEWIPC)
        case .vfork: flags = CloneFlags.CLONE_VM | CloneFlags.CLONE_VFORK | UInt64(SIGCHLD)
        case .clone: flags = parent.pendingCloneFlags
        }
        parent.pendingCloneFlags = 0
        let vtid = platform.virtualTID(childTID) ?? childTID
        if kind == .vfork { parent.vforkChild = vtid }
        if debugEvents { debugLog("clone: host \(childTID) -> \(platform.virtualTID(childTID).map(String.init) ?? "nil") kind \(kind)") }
        let group: ThreadGroup
        if flags & CloneFlags.CLONE_THREAD != 0 {
            group = parent.group
        } else {
            let parentGroup = flags & CloneFlags.CLONE_PARENT != 0 ? (parent.group.parent ?? parent.group) : parent.group
            group = ThreadGroup(hostTGID: childTID, pid: vtid, parent: parentGroup, rlimits: parent.group.rlimits)
            group.name = parent.comm
            group.executablePath = parent.group.executablePath
            group.argv = parent.group.argv
            group.environ = parent.group.environ
            group.auxv = parent.group.auxv
            group.dumpable = parent.group.dumpable
            group.signalActions = parent.group.signalActions
            parentGroup.children.append(group)
            group.creator = flags & CloneFlags.CLONE_PARENT != 0 ? nil : parent
            if flags & CloneFlags.CLONE_VM == 0 { parent.ipc.copyAttachments(from: parent.group, to: group) }
        }
        let fdTable = flags & CloneFlags.CLONE_FILES != 0 ? parent.fdTable : parent.fdTable.copy()
        let fs = flags & CloneFlags.CLONE_FS != 0 ? parent.fs : parent.fs.copy()
        let child = Task(kernel: self, hostTID: childTID, tid: vtid, group: group, fdTable: fdTable, fs: fs, creds: parent.creds)
        // clone(CLONE_NEWIPC), checked by SysProcess.clone: a fresh, empty IPC namespace.
        child.ipc = flags & CloneFlags.CLONE_NEWIPC != 0
            ? IPCNamespace(memory: memory, mqueueUsers: parent.ipc.mqueue.users) : parent.ipc
        child.nice = parent.nice
        child.ioContext = flags & CloneFlags.CLONE_IO != 0 ? parent.ioContext : IOContext(priority: parent.ioContext.priority)
        child.seccomp = parent.seccomp
        if child.seccomp.mode != Seccomp.MODE_DISABLED { platform.setOwnSeccompFilters(childTID) }
        if flags & CloneFlags.CLONE_THREAD != 0 { child.threadName = parent.comm }
        register(child)
    }

    private func taskExited(_ tid: HostTID, status: Int32) {
        early[tid] = nil
        guard let task = tasks.removeValue(forKey: tid) else { return }
        unpark(task)
        let group = task.group
        group.threads.removeAll { $0 === task }
        ptraceTaskExited(task, status: status)
        if let heir = group.threads.first {
            // forget_original_parent within the process: the exiting thread's children go to
            // a live thread, and get their parent-death signal now (Linux's real_parent is a thread).
            for child in group.children where child.creator === task {
                child.creator = heir
                sendParentDeathSignal(to: child, from: task)
            }
        }
        if group.threads.isEmpty {
            group.exitStatus = status
            group.realTimer?.cancel()
            for timer in group.posixTimers.values { timer.timer.cancel() }
            group.posixTimers.removeAll()
            ipcProcessExited(group, task.ipc)
            threadGroups[group.hostTGID] = nil
            noteZombie(group, lastThread: task)
            group.parent?.children.removeAll { $0 === group }
            let reaper = newReaper(for: group)
            for child in group.children {
                child.parent = reaper
                child.creator = reaper?.threads.first
                if let reaper, reaper !== initGroup { reaper.children.append(child) }
                sendParentDeathSignal(to: child, from: task)
            }
            sessionLeaderExited(group)
            if group === initGroup { finalStatus = terminatingSignal ?? status }
            if let session = group.execSession { execSpawner?.exited(group, session: session, status: status) }
            if let parent = group.parent, parent.signalActions[Int(SIGCHLD)].handler > 1 {
                // The host sends the parent SIGCHLD once its tracer reaped this exit, but that
                // never wakes a thread parked in a served call: the Sentry does, now or when a
                // thread stopped on its way into a served call parks (`wakeForUnseenChildSignal`).
                if let parked = parent.threads.first(where: { $0.parked != nil && !blocks($0, SIGCHLD) && !isWaitingForChildren($0) }) {
                    signalPending(SIGCHLD, on: parked)
                } else {
                    parent.childSignalUnseen = true
                }
            }
        }
    }

    /// PR_SET_PDEATHSIG: the parent thread `from` exited; each thread of `child` that asked
    /// gets its signal, process-directed and SI_USER from the exiting process, as
    /// forget_original_parent's group_send_sig_info(SEND_SIG_NOINFO).
    private func sendParentDeathSignal(to child: ThreadGroup, from: Task) {
        for thread in child.threads where thread.parentDeathSignal != 0 {
            var info = SigInfo(si_signo: thread.parentDeathSignal, si_errno: 0, si_code: SigCode.SI_USER)
            info.si_pid = from.group.pid
            info.si_uid = from.creds.uid
            try? sendSignal(thread.parentDeathSignal, toGroup: child, info: info)
        }
    }

    /// A ptrace request failed with ESRCH: the task was killed under us; its exit event follows.
    func taskVanished(_ tid: HostTID) {
        if let task = tasks[tid] { unpark(task) }
    }

    /// Ends a task whose image is beyond repair (a failed exec after the point of no return).
    public func kill(_ task: Task, signal: Int32) {
        try? platform.signalThread(tgid: task.group.hostTGID, tid: task.hostTID, signal: signal)
        try? platform.resume(task.hostTID, signal: 0)
    }

    /// A signal husk run forwarded (Ctrl-C, SIGTERM, hang-up): delivered to the program's init;
    /// when init has no handler the kernel would drop it, so the Sentry carries out the default
    /// action itself, as a terminal or a service manager expects.
    func hostSignal(_ sig: Int32) {
        guard let initGroup, let leader = initGroup.threads.first, sig > 0, sig < 65 else { return }
        let action = initGroup.signalActions[Int(sig)]
        if sig == SIGKILL || (action.handler == 0 && SignalDefault.of(sig) == .terminate) {
            // SIGKILL and an unhandled fatal signal, which init's rule would drop: the Sentry ends it.
            terminatingSignal = sig
            try? platform.signalThread(tgid: initGroup.hostTGID, tid: leader.hostTID, signal: SIGKILL)
        } else if action.handler > 1 || sig == SIGSTOP || sig == SIGCONT {
            try? sendSignal(sig, toGroup: initGroup)
        }
    }

    /// `husk kill --all`: the signal to every process of the sandbox, init by `hostSignal`'s rule.
    func signalAll(_ sig: Int32) {
        guard sig > 0, sig < 65 else { return }
        for group in threadGroups.values where group !== initGroup && !group.threads.isEmpty {
            try? sendSignal(sig, toGroup: group)
        }
        hostSignal(sig)
    }

    /// After a non-leader thread exec'd, it carries the leader's host tid: re-key the table.
    func taskChangedTID(_ task: Task, from old: HostTID, to new: HostTID) {
        tasks[old] = nil
        if let former = tasks[new], former !== task {
            former.group.threads.removeAll { $0 === former }
        }
        tasks[new] = task
    }

    /// What husk run --stats reads after the status: `served NR:N,...;unimplemented NR:N,...\n`
    /// (numbers only: husk run names them with the same table).
    public var statsRecord: String {
        var served: [String] = []
        for nr in 0..<Kernel.countedSyscalls where servedCounts[nr] != 0 { served.append("\(nr):\(servedCounts[nr])") }
        let un = unimplemented.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }
        return "served " + served.joined(separator: ",") + ";unimplemented " + un.joined(separator: ",") + "\n"
    }

    /// A one-line report of the syscalls the program used that the Sentry does not serve.
    public var unimplementedReport: String? {
        if unimplemented.isEmpty { return nil }
        let items = unimplemented.sorted { $0.key < $1.key }.map { "\(SyscallTable.name($0.key))×\($0.value)" }
        return "husk: unimplemented syscalls (ENOSYS): " + items.joined(separator: " ")
    }
}

extension CloneFlags {
    /// The flags that create namespaces, which no sandbox task may do.
    static let namespaces: UInt64 = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME
}

/// The sandbox's UTS namespace: what uname(2) reports.
public final class UTSNamespace {
    public var hostname: [UInt8] = Array("husk".utf8)
    public var domainname: [UInt8] = Array("(none)".utf8)
    public let release: [UInt8]
    public let version: [UInt8]
    init() {
        var u = utsname()
        uname(&u)
        func field<T>(_ t: inout T) -> [UInt8] {
            withUnsafeBytes(of: &t) { b in Array(b.prefix { $0 != 0 }) }
        }
        release = field(&u.release)
        version = field(&u.version)
    }
}

/// Writes a line to the Sentry's stderr (husk run's stderr) for HUSK_DEBUG tracing.
func debugLog(_ line: String) {
    var s = "husk-debug: " + line
    s.append("\n")
    s.withUTF8 { b in _ = write(2, b.baseAddress, b.count) }
}
