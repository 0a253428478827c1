import Glibc
import LinuxABI
import Platform
import SystemPackage

// devpts (Linux fs/devpts, drivers/tty/pty.c; gVisor's fsimpl/devpts): /dev/ptmx opens a new
// pty master, /dev/pts/N its slave once unlockpt ran. One instance per sandbox, owned by the
// VFS (`VFS.devpts`), mounted at /dev/pts; /dev/ptmx in devfs opens through it.

/// glibc's makedev: the st_rdev of a device number.
func deviceNumber(major: UInt64, minor: UInt64) -> UInt64 {
    ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32)
}

public final class DevPts {
    /// Live ptys by index (a master is open, or a slave still is).
    public private(set) var terminals: [Int32: Terminal] = [:]
    /// /proc/sys/kernel/pty/max.
    public static let maximum: Int32 = 4096
    public static let superMagic: Int64 = 0x1cd1
    public static let dev: UInt64 = 0x17
    public private(set) lazy var root = PtsRoot(devpts: self)

    /// The inode numbers of /dev/pts and /dev/ptmx.
    public let device = SyntheticDevice(DevPts.dev)
    public init() {}

    /// A new pty with the lowest free index (ENOSPC past the maximum), owned by `creds`.
    func allocate(creds: Credentials) throws(Errno) -> Terminal {
        var i: Int32 = 0
        while terminals[i] != nil { i += 1 }
        if i >= Self.maximum { throw .noSpace }
        let node = PtsNode(index: i, uid: creds.fsuid, gid: 5, device: device)
        let t = Terminal(index: i, node: node)
        t.devpts = self
        terminals[i] = t
        node.terminal = t
        return t
    }

    /// Both sides are closed: the index is free again.
    func release(_ t: Terminal) {
        if terminals[t.index] === t && t.masters == 0 && t.slaves == 0 { terminals[t.index] = nil }
    }

    /// The controlling terminal of `task`, if any.
    public func controllingTerminal(of task: Task) -> Terminal? {
        guard terminals.values.contains(where: { $0.session != nil }) else { return nil }
        return terminals.values.first { $0.controls(task) }
    }
}

/// /dev/pts: ptmx and one node per pty whose master is open.
public final class PtsRoot: SyntheticInode {
    weak var devpts: DevPts?
    let ptmx: PtmxNode

    init(devpts: DevPts) {
        self.devpts = devpts
        ptmx = PtmxNode(devpts: devpts, mode: 0o000)
        super.init(mode: FileType.directory | 0o755, device: devpts.device)
    }

    public override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        if name == Array("ptmx".utf8) { return ptmx }
        guard let devpts, let s = String(validating: name, as: UTF8.self), let i = Int32(s), String(i) == s,
              let t = devpts.terminals[i], t.masters > 0 else { throw .noSuchFileOrDirectory }
        return t.node
    }

    public override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        var out = [DirEntry(name: Array("ptmx".utf8), ino: ptmx.attributes.ino, type: FileType.direntType(ptmx.attributes.mode))]
        guard let devpts else { return out }
        for i in devpts.terminals.keys.sorted() where devpts.terminals[i]!.masters > 0 {
            let n = devpts.terminals[i]!.node
            out.append(DirEntry(name: Array(String(i).utf8), ino: n.attributes.ino, type: FileType.direntType(n.attributes.mode)))
        }
        return out
    }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        DirectoryFile(dentry, flags: request.flags)
    }
    public override func statfs() throws(Errno) -> FSStatistics { FSStatistics(type: DevPts.superMagic) }
    public override var readOnly: Bool { false }
}

/// /dev/ptmx (and /dev/pts/ptmx): each open is a new pty master.
public final class PtmxNode: SyntheticInode {
    weak var devpts: DevPts?
    init(devpts: DevPts, mode: UInt32) {
        self.devpts = devpts
        super.init(mode: FileType.character | mode, device: devpts.device, rdev: deviceNumber(major: 5, minor: 2))
    }
    public override var readOnly: Bool { false }
    public override func setAttributes(_ change: AttributeChange) throws(Errno) { throw .notPermitted }
    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        guard let devpts else { throw .noSuchAddressOrDevice }
        let t = try devpts.allocate(creds: request.creds)
        if let task = request.task { t.kernel = task.kernel }
        return PtyMasterFile(t, flags: request.flags)
    }
}

/// /dev/pts/N: opens the slave (EIO while locked or once the master is gone).
public final class PtsNode: SyntheticInode {
    let index: Int32
    weak var terminal: Terminal?
    init(index: Int32, uid: UInt32, gid: UInt32, device: SyntheticDevice) {
        self.index = index
        super.init(mode: FileType.character | 0o620, device: device, rdev: deviceNumber(major: 136, minor: UInt64(index)))
        attributes.uid = uid
        attributes.gid = gid
    }
    public override var readOnly: Bool { false }
    public override func setAttributes(_ change: AttributeChange) throws(Errno) {
        if let m = change.mode { attributes.mode = (attributes.mode & FileType.mask) | (m & 0o7777) }
        if let u = change.uid { attributes.uid = u }
        if let g = change.gid { attributes.gid = g }
        attributes.ctime = Timespec.now()
    }
    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        guard let t = terminal, t.masters > 0, !t.hungUp else { throw .ioError }
        if t.locked { throw .ioError }
        return try PtySlaveFile.open(t, flags: request.flags, task: request.task, path: nil)
    }
}

// MARK: Open pty files

/// The slave's read wait under VMIN/VTIME: the deadline of the timer, and the bytes seen when
/// it was armed (an inter-byte timer restarts on new input).
final class TerminalReadWait: BlockedCall {
    var deadline: UInt64?
    var seen = 0
    var timer: KernelTimer?
    func abandon() { timer?.cancel() }
}

/// The slave side, opened through /dev/pts/N, /dev/tty, TIOCGPTPEER, or the console.
public final class PtySlaveFile: FileDescription {
    public let terminal: Terminal
    let shownPath: [UInt8]
    override public var waitQueue: WaitQueue? { terminal.slaveQueue }

    init(_ t: Terminal, flags: Int32, path: [UInt8]?) {
        terminal = t
        shownPath = path ?? Array("/dev/pts/\(t.index)".utf8)
        super.init(accessMode: flags & O_ACCMODE, statusFlags: flags & (O_APPEND | O_NONBLOCK) | 0o100000)
        t.slaves += 1
        t.slaveWasOpened = true
    }

    deinit {
        terminal.slaveClosed()
        terminal.devpts?.release(terminal)
    }

    /// An open of the slave: a session leader without a controlling terminal acquires it
    /// unless O_NOCTTY (tty_open_proc_set_tty).
    static func open(_ t: Terminal, flags: Int32, task: Task?, path: [UInt8]?) throws(Errno) -> PtySlaveFile {
        let f = PtySlaveFile(t, flags: flags, path: path)
        if let task {
            t.kernel = task.kernel
            if flags & O_NOCTTY == 0 && t.session == nil && task.vfs.devpts.controllingTerminal(of: task) == nil,
               task.kernel.session(of: task.group) == task.group.pid {
                _ = t.acquire(task, steal: false, explicit: false)
            }
        }
        return f
    }

    override public var path: [UInt8]? { shownPath }
    /// /dev/tty's own node when opened through it (5:0), else /dev/pts/N.
    var shownNode: Inode?
    override public func stat() throws(Errno) -> FileStat { try (shownNode ?? terminal.node).stat() }
    override public func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .illegalSeek }

    override public func readiness(_ mask: EventMask) -> EventMask {
        let t = terminal
        if t.hungUp { return (PollEvents.input | PollEvents.output | PollEvents.hangUp) & (mask | PollEvents.hangUp) }
        var r: EventMask = 0
        if t.ldisc.readable { r |= PollEvents.input }
        if t.ldisc.writable { r |= PollEvents.output }
        return r & mask
    }

    // Plain read/write (splice, sendfile) without job control or VMIN/VTIME.
    override public func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let bytes = try takeInput(max: buffer.count)
        guard let bytes else { throw .resourceTemporarilyUnavailable }
        buffer.copyBytes(from: bytes)
        return bytes.count
    }

    override public func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        if terminal.hungUp { throw .ioError }
        let n = terminal.ldisc.write(buffer)
        if n == 0 && buffer.count > 0 { throw .resourceTemporarilyUnavailable }
        if n > 0 { terminal.masterQueue.notify(PollEvents.input) }
        return n
    }

    /// Input for a reader now: a line (canonical) or the bytes there are; [] is end of file;
    /// nil when nothing is there yet.
    func takeInput(max: Int) throws(Errno) -> [UInt8]? {
        let t = terminal
        let l = t.ldisc
        let out: [UInt8]?
        if l.canonical { out = l.readLine(max: max) } else { out = l.rawCount > 0 ? l.readRaw(max: max) : nil }
        if let out { t.inputTaken(); return out }
        if t.hungUp { return [] }
        return nil
    }

    /// read(2), readv(2): job control, then canonical or VMIN/VTIME reading (n_tty_read).
    func serveRead(_ task: Task, _ targets: [(UInt64, UInt64)]) -> SyscallReturn {
        if !canRead { return .error(.badFileDescriptor) }
        if let r = terminal.jobControl(task, Signal.SIGTTIN) { return r }
        var total = 0
        for (_, len) in targets { total = total &+ Int(clamping: len) }
        if total == 0 { return .zero }
        let t = terminal
        let l = t.ldisc
        var bytes: [UInt8]?
        if l.canonical || t.hungUp {
            do { bytes = try takeInput(max: total) } catch { return .error(error) }
        } else {
            let vmin = Int(l.termios.cc[KernelTermios.VMIN]), vtime = UInt64(l.termios.cc[KernelTermios.VTIME])
            let avail = l.rawCount
            let wait = task.blockedCall(TerminalReadWait.self)
            let expired = wait?.deadline.map { TimerQueue.now() >= $0 } ?? false
            if vmin == 0 && vtime == 0 {
                bytes = l.readRaw(max: total)
            } else if avail >= min(max(vmin, 1), total) || (avail > 0 && (vmin == 0 || expired)) {
                bytes = l.readRaw(max: total)
            } else if vmin == 0 && expired {
                bytes = []
            } else if !isNonBlocking && vtime > 0 && (vmin == 0 || avail > 0) {
                // Arm (or re-arm, on new input) the timer: the whole wait for VMIN 0, the gap
                // between bytes otherwise.
                let w = wait ?? task.beginBlockedCall(TerminalReadWait())
                if w.deadline == nil || (vmin > 0 && avail != w.seen) {
                    w.timer?.cancel()
                    let deadline = TimerQueue.now() + vtime * 100_000_000
                    w.deadline = deadline
                    w.seen = avail
                    w.timer = task.kernel.timers.add(deadline: deadline) { [weak t] in t?.slaveQueue.notify(PollEvents.input) }
                }
            }
            if bytes != nil { task.blockedCall(TerminalReadWait.self)?.abandon(); task.endBlockedCall() }
            if bytes != nil && !(bytes!.isEmpty) { t.inputTaken() }
        }
        guard let bytes else {
            if isNonBlocking { return .error(.resourceTemporarilyUnavailable) }
            return .block(t.slaveQueue, PollEvents.input)
        }
        return serve { () throws(Errno) in
            var done = 0
            for (base, len) in targets where done < bytes.count {
                let part = min(Int(clamping: len), bytes.count - done)
                try task.copyOut(base, Array(bytes[done..<(done + part)]))
                done += part
            }
            return .ok(bytes.count)
        }
    }

    /// write(2), writev(2): SIGTTOU for a background writer under TOSTOP, then output processing.
    func serveWrite(_ task: Task, _ data: UnsafeRawBufferPointer) -> SyscallReturn {
        if !canWrite { return .error(.badFileDescriptor) }
        let t = terminal
        if t.hungUp { return .error(.ioError) }
        if t.ldisc.termios.has(l: KernelTermios.TOSTOP), let r = t.jobControl(task, Signal.SIGTTOU) { return r }
        if data.isEmpty { return .zero }
        do { return .ok(try write(task, data)) } catch {
            if error == .resourceTemporarilyUnavailable && !isNonBlocking { return .block(t.slaveQueue, PollEvents.output) }
            return .error(error)
        }
    }

    override public func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        if terminal.hungUp {
            return request == Ioctl.TIOCSPGRP ? .error(.inappropriateIOCTLForDevice) : .error(.ioError)
        }
        return terminalIoctl(task, terminal, master: false, request, argument)
    }
}

/// The master side (/dev/ptmx).
public final class PtyMasterFile: FileDescription {
    public let terminal: Terminal
    override public var waitQueue: WaitQueue? { terminal.masterQueue }

    init(_ t: Terminal, flags: Int32) {
        terminal = t
        super.init(accessMode: flags & O_ACCMODE, statusFlags: flags & (O_APPEND | O_NONBLOCK) | 0o100000)
        t.masters += 1
    }

    deinit {
        terminal.masters -= 1
        if terminal.masters == 0 {
            terminal.hangUp()
            terminal.devpts?.release(terminal)
        }
    }

    override public var path: [UInt8]? { Array("/dev/ptmx".utf8) }
    override public func stat() throws(Errno) -> FileStat {
        var s = try terminal.devpts?.root.ptmx.stat() ?? FileStat()
        s.mode = FileType.character | 0o666
        return s
    }
    override public func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .illegalSeek }

    var slaveGone: Bool { terminal.slaveWasOpened && terminal.slaves == 0 }

    override public func readiness(_ mask: EventMask) -> EventMask {
        var r: EventMask = 0
        if !terminal.ldisc.output.isEmpty { r |= PollEvents.input }
        if terminal.ldisc.inputRoom > 0 { r |= PollEvents.output }
        if slaveGone { r |= PollEvents.hangUp | PollEvents.input }
        return r & (mask | PollEvents.hangUp)
    }

    /// The output the slave's writers produced; EIO once every slave is closed and it is drained.
    override public func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let out = terminal.ldisc.takeOutput(max: buffer.count)
        if out.isEmpty {
            if buffer.isEmpty { return 0 }
            if slaveGone { throw .ioError }
            throw .resourceTemporarilyUnavailable
        }
        buffer.copyBytes(from: out)
        terminal.outputTaken()
        return out.count
    }

    /// Typing at the terminal.
    override public func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        if buffer.isEmpty { return 0 }
        terminal.kernel = task.kernel
        let n = terminal.type(buffer)
        if n == 0 { throw .resourceTemporarilyUnavailable }
        return n
    }

    override public func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        let t = terminal
        do {
            switch request {
            case Ioctl.TIOCGPTN:
                try task.copyOutValue(argument, UInt32(t.index))
                return .zero
            case Ioctl.TIOCSPTLCK:
                t.locked = try task.copyInValue(argument, as: Int32.self) != 0
                return .zero
            case 0x8004_5439:  // TIOCGPTLCK
                try task.copyOutValue(argument, Int32(t.locked ? 1 : 0))
                return .zero
            case Ioctl.TIOCGPTPEER:
                let flags = Int32(truncatingIfNeeded: argument)
                if t.locked || t.hungUp { return .error(.ioError) }
                let f = try PtySlaveFile.open(t, flags: flags, task: task, path: nil)
                return .ok(Int(try task.fdTable.allocate(f, closeOnExec: flags & O_CLOEXEC != 0, limit: task.fdLimit)))
            default:
                return terminalIoctl(task, t, master: true, request, argument)
            }
        } catch { return .error(error) }
    }
}

// MARK: The terminal ioctls (tty_ioctl, n_tty_ioctl)

func terminalIoctl(_ task: Task, _ t: Terminal, master: Bool, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
    let l = t.ldisc
    let k = task.kernel
    t.kernel = k
    do {
        switch request {
        case Ioctl.TCGETS:
            try task.copyOut(argument, l.termios.bytes)
            return .zero
        case Ioctl.TCSETS, Ioctl.TCSETSW, Ioctl.TCSETSF:
            if !master, let r = t.jobControl(task, Signal.SIGTTOU) { return r }
            let bytes = try task.copyInBytes(argument, count: KernelTermios.size)
            if request == Ioctl.TCSETSF { l.flushInput() }
            l.setTermios(KernelTermios(bytes: bytes))
            t.slaveQueue.notify(PollEvents.input | PollEvents.output)
            t.masterQueue.notify(PollEvents.output)
            return .zero
        case Ioctl.TCSBRK:
            return .zero
        case Ioctl.TCXONC:
            if !master, let r = t.jobControl(task, Signal.SIGTTOU) { return r }
            try l.flowControl(Int32(truncatingIfNeeded: argument))
            t.slaveQueue.notify(PollEvents.output)
            t.masterQueue.notify(PollEvents.input)
            return .zero
        case Ioctl.TCFLSH:
            if !master, let r = t.jobControl(task, Signal.SIGTTOU) { return r }
            switch Int32(truncatingIfNeeded: argument) {
            case 0: if master { l.flushOutput() } else { l.flushInput() }
            case 1: if master { l.flushInput() } else { l.flushOutput() }
            case 2: l.flushInput(); l.flushOutput()
            default: return .error(.invalidArgument)
            }
            t.slaveQueue.notify(PollEvents.output)
            t.masterQueue.notify(PollEvents.output)
            return .zero
        case Ioctl.FIONREAD:
            try task.copyOutValue(argument, Int32(clamping: master ? l.output.count : l.inputCount))
            return .zero
        case Ioctl.TIOCOUTQ:
            try task.copyOutValue(argument, Int32(clamping: master ? 0 : l.output.count))
            return .zero
        case Ioctl.TIOCGWINSZ:
            try task.copyOutStruct(argument, t.windowSize)
            return .zero
        case Ioctl.TIOCSWINSZ:
            let ws = try task.copyInStruct(argument, as: WinSize.self)
            t.resize(ws)
            return .zero
        case Ioctl.TIOCGPGRP:
            if !master && !t.controls(task) { return .error(.inappropriateIOCTLForDevice) }
            try task.copyOutValue(argument, t.foreground ?? 0)
            return .zero
        case Ioctl.TIOCSPGRP:
            // tiocspgrp: the caller's controlling terminal, of its session; a group of that session.
            if !master, let r = t.jobControl(task, Signal.SIGTTOU) { return r }
            guard !master, t.controls(task), let sid = t.session else { return .error(.inappropriateIOCTLForDevice) }
            let pgrp = try task.copyInValue(argument, as: Int32.self)
            if pgrp < 0 { return .error(.invalidArgument) }
            let members = k.threadGroups.values.filter { k.processGroup(of: $0) == pgrp }
            if members.isEmpty { return .error(.noSuchProcess) }
            if !members.contains(where: { k.session(of: $0) == sid }) { return .error(.notPermitted) }
            t.foreground = pgrp
            return .zero
        case Ioctl.TIOCGSID:
            guard !master, t.controls(task), let sid = t.session else { return .error(.inappropriateIOCTLForDevice) }
            try task.copyOutValue(argument, sid)
            return .zero
        case Ioctl.TIOCSCTTY:
            if master { return .error(.notPermitted) }
            return t.acquire(task, steal: argument == 1, explicit: true)
        case Ioctl.TIOCNOTTY:
            guard !master, t.controls(task) else { return .error(.inappropriateIOCTLForDevice) }
            if k.session(of: task.group) == task.group.pid {
                t.disassociate(leaderExits: false)
            } else {
                t.detached.insert(task.group.hostTGID)
            }
            return .zero
        case Ioctl.TIOCGETD:
            try task.copyOutValue(argument, Int32(0))  // N_TTY
            return .zero
        case Ioctl.TIOCSETD:
            return try task.copyInValue(argument, as: Int32.self) == 0 ? .zero : .error(.invalidArgument)
        case Ioctl.TIOCEXCL, Ioctl.TIOCNXCL:
            return .zero
        default:
            return .error(.inappropriateIOCTLForDevice)
        }
    } catch { return .error(error) }
}

extension Terminal {
    /// TIOCSWINSZ and the console's resize: SIGWINCH to the foreground group when it changed.
    public func resize(_ ws: WinSize) {
        let old = windowSize
        windowSize = ws
        if old.ws_row != ws.ws_row || old.ws_col != ws.ws_col || old.ws_xpixel != ws.ws_xpixel || old.ws_ypixel != ws.ws_ypixel {
            signalForeground(Signal.SIGWINCH)
        }
    }
}
