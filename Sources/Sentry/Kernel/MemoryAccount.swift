import CHusk
import Glibc
import SystemPackage

/// The memory the Sentry holds on the program's request: pipe pages, tmpfs pages, inotify
/// events, epoll items, eventfds, timers. Linux charges the same kernel memory to the memory
/// cgroup of the task that asked for it, and a failed charge is an errno (ENOMEM, ENOSPC…).
/// The Sentry runs in the sandbox's cgroup, so without a cap of its own a program could make
/// it grow until the memory limit kills it (status 125, the program's work lost). One account
/// per sandbox, owned by the Kernel: a charge that would pass the budget fails and the caller
/// answers what Linux answers when its allocation fails there.
///
/// The budget is 9/16 of the sandbox's memory (its `--memory` limit, else the host's RAM): 36 MiB
/// under `--memory 64m`. File pages (every tmpfs mount, the overlay's upper files, memfds) may
/// take at most half of the memory, the size of one default tmpfs: each mount keeps its own size
/// limit besides, but all of them together stay below that half, and a full /tmp leaves the
/// last 1/16 (4 MiB under 64m) to pipes, inotify and the rest, which may use the whole budget
/// when no file holds it. The other 7/16 are for the program's own pages, the Sentry's and the
/// Gofer's own heaps, and what is charged to nobody here (per-task state, fd tables, dentries).
public final class MemoryAccount {
    /// What a charge pays for (for reports and tests).
    public enum Use: Int, CaseIterable, Sendable, CustomStringConvertible {
        /// The pages of pipe buffers (one per written slot, freed when read).
        case pipePages
        /// Pipe objects and their slot rings (alloc_pipe_info, pipe_resize_ring).
        case pipes
        /// Pages of tmpfs, overlay and memfd files (the memfds' allocated blocks).
        case tmpfsPages
        /// tmpfs inodes (one per node of a tmpfs mount).
        case tmpfsNodes
        /// inotify instances, watches and queued events.
        case inotify
        /// epoll interest-list entries (epitem).
        case epoll
        /// eventfd counters.
        case eventfd
        /// POSIX timers (timer_create).
        case timers
        /// fd tables: their slots and the open fds.
        case files
        /// System V semaphore sets and queued messages, POSIX message queues and their messages
        /// (Sources/Sentry/IPC).
        case ipc
        /// Messages queued on sockets (their bytes and an sk_buff each).
        case sockets

        public var description: String {
            switch self {
            case .pipePages: "pipe pages"
            case .pipes: "pipes"
            case .tmpfsPages: "tmpfs pages"
            case .tmpfsNodes: "tmpfs inodes"
            case .inotify: "inotify"
            case .epoll: "epoll items"
            case .eventfd: "eventfds"
            case .timers: "timers"
            case .files: "fds"
            case .ipc: "IPC"
            case .sockets: "socket buffers"
            }
        }
    }

    /// What one object costs in the Sentry's heap, a rough upper estimate of the Swift objects,
    /// arrays and dictionary slots behind it (Linux's own structures are of the same order).
    public enum Cost {
        /// A pipe: its `Pipe`, the two `PipeFile`s, the wait queue.
        public static let pipe = 1024
        /// One slot of a pipe's ring (Linux's struct pipe_buffer is 40 bytes).
        public static let pipeSlot = 32
        /// A tmpfs inode, its attributes and its directory entry (plus the name's bytes).
        public static let tmpfsNode = 512
        /// An inotify instance, one watch, one queued event (plus the name's bytes).
        public static let inotifyInstance = 1024
        public static let inotifyWatch = 256
        public static let inotifyEvent = 64
        /// One epoll registration: the entry, its waiter, its dictionary slot.
        public static let epollItem = 256
        /// An eventfd description and its wait queue.
        public static let eventfd = 256
        /// A POSIX timer: its record, the interval timer, the kernel timer.
        public static let timer = 512
        /// One slot of an fd table, and one open fd with its description (dup shares the
        /// description; counted per fd all the same).
        public static let fdSlot = 16
        public static let openFile = 256
    }

    public static let pageSize = 4096

    /// Bytes the account may hold, and of them file pages (`tmpfsPages`).
    public let budget: Int
    public let fileBudget: Int
    /// Bytes held now, at most, and the number of charges refused.
    public private(set) var charged = 0
    public private(set) var peak = 0
    public private(set) var refusals = 0
    private var byUse = [Int](repeating: 0, count: Use.allCases.count)

    /// The sandbox's memory limit (--memory), which meminfo, sysinfo and tmpfs's default size
    /// report as its RAM; nil: the host's RAM.
    public let memoryLimit: UInt64?

    /// An account of `budget` bytes, of which file pages may take `fileBudget` (all when nil).
    public init(budget: Int, fileBudget: Int? = nil, memoryLimit: UInt64? = nil) {
        self.budget = max(budget, 0)
        self.fileBudget = min(max(fileBudget ?? budget, 0), self.budget)
        self.memoryLimit = memoryLimit
    }

    /// The account of a sandbox with `memoryLimit` (nil: the host's RAM).
    public convenience init(memoryLimit: UInt64?) {
        let (budget, files) = MemoryAccount.budgets(memoryLimit: memoryLimit, hostRAM: MemoryAccount.hostRAM)
        self.init(budget: budget, fileBudget: files, memoryLimit: memoryLimit)
    }

    /// The sandbox's memory (the limit when it has one, else the host's RAM) M: the budget,
    /// M/2 + M/16, and the part file pages may take, M/2.
    public static func budgets(memoryLimit: UInt64?, hostRAM: UInt64) -> (budget: Int, files: Int) {
        let m = memoryLimit ?? hostRAM
        return (Int(clamping: m / 2 + m / 16), Int(clamping: m / 2))
    }

    /// The host's RAM (sysinfo), 1 GiB if it cannot be read.
    public static var hostRAM: UInt64 {
        var info = CHusk.sysinfo()
        guard withUnsafeMutablePointer(to: &info, { chusk_host_sysinfo($0) }) == 0 else { return 1 << 30 }
        return UInt64(info.totalram) * UInt64(max(info.mem_unit, 1))
    }

    /// Bytes still free.
    public var available: Int { max(budget - charged, 0) }
    /// Bytes still free for one use (file pages also stay within `fileBudget`).
    public func available(for use: Use) -> Int {
        if use == .tmpfsPages { return min(available, max(fileBudget - byUse[use.rawValue], 0)) }
        return available
    }
    /// Whole pages still free (for pipe pages), and for one use.
    public var availablePages: Int { available / MemoryAccount.pageSize }
    public func availablePages(for use: Use) -> Int { available(for: use) / MemoryAccount.pageSize }

    /// Charges `bytes` when they fit in the budget; false (and nothing charged) when not.
    @discardableResult
    public func tryCharge(_ bytes: Int, _ use: Use) -> Bool {
        if bytes <= 0 { return true }
        if bytes > available(for: use) { refusals += 1; return false }
        add(bytes, use)
        return true
    }

    /// Charges `bytes` or throws `error`, the errno Linux gives where its allocation fails.
    public func charge(_ bytes: Int, _ use: Use, or error: Errno) throws(Errno) {
        if !tryCharge(bytes, use) { throw error }
    }

    /// Charges memory that exists already (pages a task made through its own mapping of a
    /// tmpfs file): it may pass the budget, and then every new charge fails until it is back.
    public func forceCharge(_ bytes: Int, _ use: Use) {
        if bytes > 0 { add(bytes, use) }
    }

    /// Counts a charge a caller planned with `available` and found too big.
    public func refused() { refusals += 1 }

    public func uncharge(_ bytes: Int, _ use: Use) {
        if bytes <= 0 { return }
        let n = min(bytes, byUse[use.rawValue])
        byUse[use.rawValue] -= n
        charged -= n
    }

    /// Bytes held for one use.
    public func charged(_ use: Use) -> Int { byUse[use.rawValue] }

    /// A charge that lasts as long as the returned token (a stored property of the object it
    /// pays for, so that freeing the object gives it back).
    public func hold(_ bytes: Int, _ use: Use, or error: Errno) throws(Errno) -> MemoryCharge {
        try charge(bytes, use, or: error)
        return MemoryCharge(account: self, bytes: bytes, use: use)
    }

    private func add(_ bytes: Int, _ use: Use) {
        byUse[use.rawValue] += bytes
        charged += bytes
        if charged > peak { peak = charged }
    }

    /// One line for HUSK_DEBUG: the budget, the peak and what is held now, by use.
    public var report: String {
        let kib = { (b: Int) in "\(b >> 10) KiB" }
        let uses = Use.allCases.filter { byUse[$0.rawValue] > 0 }.map { "\($0) \(kib(byUse[$0.rawValue]))" }
        return "memory account: budget \(kib(budget)) (files \(kib(fileBudget))), peak \(kib(peak)), held \(kib(charged))"
            + (uses.isEmpty ? "" : " (" + uses.joined(separator: ", ") + ")") + ", \(refusals) refused"
    }
}

/// A charge given back when the token is freed.
public final class MemoryCharge {
    public let account: MemoryAccount
    public let bytes: Int
    public let use: MemoryAccount.Use
    init(account: MemoryAccount, bytes: Int, use: MemoryAccount.Use) {
        self.account = account; self.bytes = bytes; self.use = use
    }
    deinit { account.uncharge(bytes, use) }
}
