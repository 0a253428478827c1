import CHusk
import Glibc
import LinuxABI
import Platform
import SystemPackage

// The console of `husk run -t`: pty 0 of devpts, whose slave is the program's stdin, stdout and
// stderr and controlling terminal (of init's session), and whose master the Sentry itself
// holds and pumps: husk run's raw terminal bytes arrive on the stdin pipe and are typed at the
// terminal; the output goes to the stdout pipe. A control pipe carries window sizes
// (4 bytes: rows, columns, little-endian) that husk run reads on each SIGWINCH. The Sentry
// never blocks on these fds: it reads what is there, and when the stdout pipe is full the
// output waits in the line discipline, whose writers then wait in turn.

public final class Console {
    let terminal: Terminal
    let master: PtyMasterFile
    let slave: PtySlaveFile
    unowned let kernel: Kernel
    var inFD: Int32
    let outFD: Int32
    var controlFD: Int32
    let inQueue = WaitQueue(), outQueue = WaitQueue(), controlQueue = WaitQueue()
    private var waiters: [Waiter] = []
    private var control: [UInt8] = []
    /// An exec session's console (ExecSpawner) closes its fds when it goes; husk run's keeps
    /// them for the Sentry's life.
    private let ownsFDs: Bool

    init(kernel: Kernel, inFD: Int32, outFD: Int32, controlFD: Int32, rows: UInt16, columns: UInt16, ownsFDs: Bool = false) throws(Errno) {
        self.kernel = kernel
        self.ownsFDs = ownsFDs
        let t = try kernel.vfs.devpts.allocate(creds: Credentials(uid: 0, gid: 0))
        t.kernel = kernel
        t.locked = false
        t.windowSize = WinSize(ws_row: rows, ws_col: columns)
        terminal = t
        master = PtyMasterFile(t, flags: O_RDWR)
        slave = PtySlaveFile(t, flags: O_RDWR, path: nil)
        // init (pid 1) leads session 1 and process group 1 (chusk_spawn_first_task's setsid).
        t.session = 1
        t.foreground = 1
        self.inFD = inFD; self.outFD = outFD; self.controlFD = controlFD
        for fd in [inFD, outFD, controlFD] where fd >= 0 {
            let fl = fcntl(fd, F_GETFL)
            if fl >= 0 { _ = fcntl(fd, F_SETFL, fl | O_NONBLOCK) }
        }
        if inFD >= 0 { kernel.watch(inFD, queue: inQueue) }
        kernel.watch(outFD, queue: outQueue)
        if controlFD >= 0 { kernel.watch(controlFD, queue: controlQueue) }
        let all: EventMask = PollEvents.input | PollEvents.output | PollEvents.hangUp | PollEvents.error
        let pump = Waiter(mask: all) { [unowned self] _ in self.pump() }
        inQueue.add(pump); outQueue.add(pump); t.masterQueue.add(pump)
        let resize = Waiter(mask: all) { [unowned self] _ in self.readControl() }
        controlQueue.add(resize)
        waiters = [pump, resize]
    }

    deinit {
        // The queues outlive the console at teardown (the terminal's): leave them first.
        for w in waiters { w.cancel() }
        if ownsFDs {
            for fd in [inFD, outFD, controlFD] where fd >= 0 {
                kernel.unwatch(fd)
                close(fd)
            }
        }
    }

    /// Moves what can move: output to husk run, then husk run's input into the terminal.
    func pump() {
        flushOutput()
        var buf = [UInt8](repeating: 0, count: 4096)
        while inFD >= 0 {
            let room = min(buf.count, terminal.ldisc.inputRoom)
            if room == 0 { break }
            let n = buf.withUnsafeMutableBytes { Glibc.read(inFD, $0.baseAddress, room) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { break }
            if n <= 0 {
                // husk run's stdin ended (or -t without -i): the terminal just gets no more input.
                kernel.unwatch(inFD)
                close(inFD)
                inFD = -1
                break
            }
            _ = buf.withUnsafeBytes { terminal.type(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        flushOutput()
    }

    private func flushOutput() {
        while !terminal.ldisc.output.isEmpty {
            let pending = terminal.ldisc.output
            let n = pending.withUnsafeBytes { Glibc.write(outFD, $0.baseAddress, min($0.count, 65536)) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno != EAGAIN {
                // husk run is gone: drop the output, as a terminal with nobody looking.
                terminal.ldisc.flushOutput()
                terminal.outputTaken()
                return
            }
            if n <= 0 { return }
            _ = terminal.ldisc.takeOutput(max: n)
            terminal.outputTaken()
        }
    }

    /// Window sizes from husk run: the last complete one wins; SIGWINCH on a change.
    func readControl() {
        kernel.drainControl(&controlFD, into: &control)
        var last: WinSize?
        while control.count >= 4 {
            last = WinSize(ws_row: UInt16(control[0]) | UInt16(control[1]) << 8, ws_col: UInt16(control[2]) | UInt16(control[3]) << 8)
            control.removeFirst(4)
        }
        if let last { terminal.resize(last) }
    }
}
