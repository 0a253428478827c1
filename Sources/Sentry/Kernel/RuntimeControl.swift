import CHusk
import Glibc

/// The OCI runtime's channel to the Sentry (docs/oci.md): a socket the shim holds the other end
/// of. Before the program's first instruction the Sentry writes "h" (held) and blocks for one
/// byte: "g" starts the program, a signal number or EOF ends the sandbox (`husk kill` or
/// `husk delete` of a created container, or a shim gone). Afterwards the loop serves requests of
/// two bytes: "i" or "a" (init alone, or every process: `--all`) and the signal number.
final class RuntimeControl {
    unowned let kernel: Kernel
    private(set) var fd: Int32
    private let queue = WaitQueue()
    private var waiter: Waiter?
    private var pending: [UInt8] = []

    init(kernel: Kernel, fd: Int32) {
        self.kernel = kernel
        self.fd = fd
        let fl = fcntl(fd, F_GETFL)
        if fl >= 0 { _ = fcntl(fd, F_SETFL, fl | O_NONBLOCK) }
        kernel.watch(fd, queue: queue)
        let w = Waiter(mask: PollEvents.input | PollEvents.hangUp | PollEvents.error) { [unowned self] _ in self.readRequests() }
        queue.add(w)
        waiter = w
        readRequests()
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

    /// Serves whatever complete requests arrived; EOF closes the channel (the program runs on).
    func readRequests() {
        kernel.drainControl(&fd, into: &pending)
        while pending.count >= 2 {
            let (op, sig) = (pending[0], Int32(pending[1]))
            pending.removeFirst(2)
            if op == UInt8(ascii: "a") { kernel.signalAll(sig) } else if op == UInt8(ascii: "i") { kernel.hostSignal(sig) }
        }
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
