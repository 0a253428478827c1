import CHusk
import Glibc
import SystemPackage

/// The OCI runtime's channel to the Sentry (docs/oci.md): a socket the shim holds the other end
/// of. Before the program's first instruction the Sentry writes "h" (held) and blocks for one
/// byte: "g" starts the program, a signal number or EOF ends the sandbox (`husk kill` or
/// `husk delete` of a created container, or a shim gone). Afterwards the loop serves requests:
/// two bytes, "i" or "a" (init alone, or every process: `--all`) and the signal number; and
/// `husk exec`'s (RuntimeMessage), whose answers go back on the same socket.
final class RuntimeControl {
    unowned let kernel: Kernel
    private(set) var fd: Int32
    private let queue = WaitQueue()
    private var waiter: Waiter?
    private var pending: [UInt8] = []
    /// Fds that came as SCM_RIGHTS, in order: each exec request takes its three.
    private var pendingFDs: [Int32] = []

    init(kernel: Kernel, fd: Int32) {
        self.kernel = kernel
        self.fd = fd
        let fl = fcntl(fd, F_GETFL)
        if fl >= 0 { _ = fcntl(fd, F_SETFL, fl | O_NONBLOCK) }
        kernel.watch(fd, queue: queue)
        let w = Waiter(mask: PollEvents.input | PollEvents.hangUp | PollEvents.error) { [unowned self] _ in self.readRequests() }
        queue.add(w)
        waiter = w
    }

    deinit { waiter?.cancel() }

    /// Before the kernel runs: says "held", then waits for the start byte "g" (0 returned), or
    /// a signal number 1...64 that ends the held program (EOF: SIGKILL).
    static func awaitStart(_ fd: Int32) -> Int32 {
        var h = UInt8(ascii: "h")
        var n: Int
        repeat { n = Glibc.write(fd, &h, 1) } while n < 0 && errno == EINTR
        if n != 1 { return SIGKILL }
        var b: UInt8 = 0
        repeat { n = Glibc.read(fd, &b, 1) } while n < 0 && errno == EINTR
        if n == 1 && b == UInt8(ascii: "g") { return 0 }
        return n == 1 && b >= 1 && b <= 64 ? Int32(b) : SIGKILL
    }

    /// An answer to the shim; a shim that stopped reading loses it (the socket never blocks us).
    func send(_ bytes: [UInt8]) {
        guard fd >= 0 else { return }
        _ = bytes.withUnsafeBytes { chusk_gofer_send(fd, $0.baseAddress, $0.count, -1) }
    }

    /// Serves whatever complete requests arrived; EOF closes the channel (the program runs on).
    func readRequests() {
        receive()
        while let op = pending.first {
            if op == RuntimeMessage.exec {
                guard pending.count >= 9 else { break }
                let session = RuntimeMessage.readLE32(pending[1..<5])
                let length = Int(RuntimeMessage.readLE32(pending[5..<9]))
                guard length <= ExecRequest.maxEncodedBytes else { return dropChannel() }
                guard pending.count >= 9 + length else { break }
                let request = ExecRequest.decode(pending[9..<(9 + length)])
                pending.removeFirst(9 + length)
                let fds = Array(pendingFDs.prefix(3))
                pendingFDs.removeFirst(fds.count)
                if let request, let spawner = kernel.execSpawner {
                    spawner.spawn(session: session, request, fds: fds)
                } else {
                    for f in fds { close(f) }
                    send(RuntimeMessage.reply(RuntimeMessage.failed, session: session, value: Errno.invalidArgument.rawValue))
                }
            } else if op == RuntimeMessage.signalExec {
                guard pending.count >= 6 else { break }
                kernel.execSpawner?.signal(session: RuntimeMessage.readLE32(pending[1..<5]), Int32(pending[5]))
                pending.removeFirst(6)
            } else {
                guard pending.count >= 2 else { break }
                let sig = Int32(pending[1])
                pending.removeFirst(2)
                if op == UInt8(ascii: "a") { kernel.signalAll(sig) } else if op == UInt8(ascii: "i") { kernel.hostSignal(sig) }
            }
        }
    }

    /// Reads what the socket holds, fds included.
    private func receive() {
        var buf = [UInt8](repeating: 0, count: 65536)
        var fds = [Int32](repeating: -1, count: 8)
        while fd >= 0 {
            var nfds: Int32 = 0, flags: Int32 = 0
            let n = buf.withUnsafeMutableBytes { b in
                fds.withUnsafeMutableBufferPointer { chusk_gofer_recv(fd, b.baseAddress, b.count, $0.baseAddress, 8, &nfds, &flags) }
            }
            for i in 0..<Int(max(0, nfds)) { _ = fcntl(fds[i], F_SETFD, FD_CLOEXEC); pendingFDs.append(fds[i]) }
            if n == -Int(EINTR) { continue }
            if n == -Int(EAGAIN) { break }
            if n <= 0 { dropChannel(); break }
            pending.append(contentsOf: buf[0..<n])
        }
    }

    /// EOF or a malformed request: the channel closes (the program runs on).
    private func dropChannel() {
        guard fd >= 0 else { return }
        kernel.unwatch(fd)
        close(fd)
        fd = -1
        pending.removeAll()
        for f in pendingFDs { close(f) }
        pendingFDs.removeAll()
    }
}

extension Kernel {
    /// Reads what a non-blocking control fd of husk run or the OCI shim holds into `bytes`; at
    /// EOF or an error the fd leaves the loop and is closed (set to -1).
    func drainControl(_ fd: inout Int32, into bytes: inout [UInt8]) {
        var buf = [UInt8](repeating: 0, count: 64)
        while fd >= 0 {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { break }
            if n <= 0 { unwatch(fd); close(fd); fd = -1; break }
            bytes.append(contentsOf: buf[0..<n])
        }
    }
}
