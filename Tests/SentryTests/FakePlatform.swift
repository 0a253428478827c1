// A Platform whose tasks are in-process records, so the Kernel's handlers run in a unit test
// without ptrace: task memory is a byte buffer, events are what the test queues, and every
// completion, resume and signal is recorded for the test to check.

import Glibc
import LinuxABI
import Platform
import Sentry
import SystemPackage

final class FakePlatform: Platform {
    /// One fake task: its address space is `memory` at `base` (EFAULT outside it).
    struct FakeTask {
        var vtid: Int32
        var base: UInt64
        var memory: [UInt8]
        /// Stopped at a served syscall, waiting for `complete`.
        var atSyscall = false
    }

    /// Where each task's memory starts, and its size; the last page is the Sentry's scratch.
    static let memoryBase: UInt64 = 0x7000_0000
    static let memorySize = 64 << 10

    private(set) var tasks: [HostTID: FakeTask] = [:]
    private var queue: [TaskEvent] = []
    /// What the Sentry did to the tasks, in order.
    private(set) var completions: [(tid: HostTID, completion: SyscallCompletion)] = []
    private(set) var resumes: [(tid: HostTID, signal: Int32)] = []
    private(set) var signals: [(tgid: HostTID, tid: HostTID, signal: Int32)] = []
    private(set) var traceeRequests: [(tid: HostTID, request: TraceeRequest)] = []
    private(set) var injections: [(tid: HostTID, nr: Int, args: [UInt64])] = []
    private(set) var installedFDs: [(tid: HostTID, hostFD: Int32)] = []
    private(set) var heldGroupStops: [HostTID] = []

    var capabilities: PlatformCapabilities = [.restartSyscall, .suspendUnderMask, .rewriteArgument]
    /// What an injected syscall returns (nil: -ENOSYS): the Sentry's address-space work fails
    /// cleanly unless a test says otherwise.
    var injectResult: ((HostTID, Int, [UInt64]) -> Int64)?
    /// What installFD answers (nil: EBADF), as a task fd number.
    var installResult: Int32?

    /// The read end of a pipe nobody writes, for the Kernel's epoll set: the test calls
    /// `Kernel.serveReady` itself.
    let eventFD: Int32
    private let eventWriteFD: Int32
    let scratchSize = 4096

    init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        eventFD = fds[0]; eventWriteFD = fds[1]
    }
    deinit { close(eventFD); close(eventWriteFD) }

    // MARK: What tests do

    /// A task the platform knows (the Kernel learns of it by adoptFirstTask or a clone event),
    /// with fresh memory or a copy of `parent`'s (a fork).
    func addTask(_ tid: HostTID, vtid: Int32, copying parent: HostTID? = nil) {
        let memory = parent.flatMap { tasks[$0]?.memory } ?? [UInt8](repeating: 0, count: Self.memorySize)
        tasks[tid] = FakeTask(vtid: vtid, base: Self.memoryBase, memory: memory)
    }

    /// Queues an event for `nextEvent`.
    func queue(_ event: TaskEvent) {
        if case .syscall(let tid, _) = event { tasks[tid]?.atSyscall = true }
        queue.append(event)
    }

    /// Queues a syscall stop of `tid` with these arguments.
    func queueSyscall(_ tid: HostTID, _ nr: Int, _ args: [UInt64]) {
        let a = args + Array(repeating: 0, count: max(0, 6 - args.count))
        queue(.syscall(tid, SyscallRegisters(nr: nr, args: (a[0], a[1], a[2], a[3], a[4], a[5]), ip: 0x40_1000, sp: Self.memoryBase + 0x8000)))
    }

    /// Whether `tid` still waits at a served syscall (a parked call).
    func isAtSyscall(_ tid: HostTID) -> Bool { tasks[tid]?.atSyscall ?? false }

    /// The completions recorded since index `from`, for one task.
    func completions(of tid: HostTID, from: Int = 0) -> [SyscallCompletion] {
        completions[from...].filter { $0.tid == tid }.map(\.completion)
    }
    var completionCount: Int { completions.count }

    // MARK: Platform

    func nextEvent() -> TaskEvent? { queue.isEmpty ? nil : queue.removeFirst() }

    func complete(_ tid: HostTID, _ completion: SyscallCompletion) throws(Errno) {
        guard let t = tasks[tid], t.atSyscall else { throw .noSuchProcess }
        switch completion {
        case .restart where !capabilities.contains(.restartSyscall),
             .suspendUnderMask where !capabilities.contains(.suspendUnderMask),
             .runNativeWithArgument where !capabilities.contains(.rewriteArgument):
            throw .notSupported
        default: break
        }
        tasks[tid]!.atSyscall = false
        completions.append((tid, completion))
    }

    func startFirstTask(_ spec: FirstTaskSpec) throws(Errno) -> HostTID { throw .noFunction }

    func resume(_ tid: HostTID, signal: Int32) throws(Errno) {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        tasks[tid]!.atSyscall = false
        resumes.append((tid, signal))
    }

    func holdGroupStop(_ tid: HostTID) throws(Errno) {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        heldGroupStops.append(tid)
    }

    /// The byte range of the task's buffer that [address, address+count) covers, or EFAULT.
    private func range(_ tid: HostTID, _ address: UInt64, _ count: Int) throws(Errno) -> Range<Int> {
        guard let t = tasks[tid] else { throw .noSuchProcess }
        guard address >= t.base, address - t.base <= UInt64(t.memory.count),
              UInt64(count) <= UInt64(t.memory.count) - (address - t.base) else { throw .badAddress }
        let start = Int(address - t.base)
        return start..<(start + count)
    }

    func readMemory(_ tid: HostTID, at address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        let r = try range(tid, address, buffer.count)
        tasks[tid]!.memory.withUnsafeBytes { m in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: m[r]))
        }
    }

    /// Addresses process_vm_writev cannot write (a read-only page): only POKEDATA, which
    /// writes with FOLL_FORCE, reaches them.
    var writeProtected: Range<UInt64>?

    func writeMemory(_ tid: HostTID, at address: UInt64, from buffer: UnsafeRawBufferPointer) throws(Errno) {
        if let p = writeProtected, address < p.upperBound && address + UInt64(buffer.count) > p.lowerBound { throw .badAddress }
        let r = try range(tid, address, buffer.count)
        tasks[tid]!.memory.replaceSubrange(r, with: buffer)
    }

    func injectSyscall(_ tid: HostTID, _ nr: Int, _ args: [UInt64]) throws(Errno) -> Int64 {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        injections.append((tid, nr, args))
        return injectResult?(tid, nr, args) ?? Errno.noFunction.syscallResult
    }

    func scratchAddress(_ tid: HostTID) throws(Errno) -> UInt64 {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        return Self.memoryBase + UInt64(Self.memorySize - scratchSize)
    }

    func installFD(_ tid: HostTID, _ hostFD: Int32) throws(Errno) -> Int32 {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        guard let fd = installResult else { throw .badFileDescriptor }
        installedFDs.append((tid, hostFD))
        return fd
    }

    func closeInstalledFD(_ tid: HostTID, _ fd: Int32) throws(Errno) {}

    func setEntryRegisters(_ tid: HostTID, ip: UInt64, sp: UInt64) throws(Errno) { throw .noFunction }

    func execStub(_ tid: HostTID, argv: [[UInt8]]) throws(Errno) -> HostTID { throw .noFunction }

    func stubImage(_ tid: HostTID) throws(Errno) -> StubImage { throw .invalidArgument }

    func virtualTID(_ tid: HostTID) -> Int32? { tasks[tid]?.vtid }

    func unreceivedCall(_ tid: HostTID) -> SyscallRegisters? { nil }
    func restartUnreceivedCall(_ tid: HostTID) throws(Errno) {}
    func setSignalInfo(_ tid: HostTID, _ info: UnsafeRawBufferPointer) throws(Errno) {}

    func signalThread(tgid: HostTID, tid: HostTID, signal: Int32) throws(Errno) {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        signals.append((tgid, tid, signal))
    }

    private(set) var syscallTracing: Set<HostTID> = []
    func setSyscallTracing(_ tid: HostTID, _ on: Bool) {
        if on { syscallTracing.insert(tid) } else { syscallTracing.remove(tid) }
    }
    private(set) var interrupts: [HostTID] = []
    /// Tasks the Sentry said have seccomp filters of their own.
    var ownSeccompFilters: Set<HostTID> = []
    func setOwnSeccompFilters(_ tid: HostTID) { ownSeccompFilters.insert(tid) }

    func interrupt(_ tid: HostTID) throws(Errno) {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        interrupts.append(tid)
    }

    /// PEEK/POKE of text and data act on the task's buffer (EIO outside it, as the host's
    /// ptrace_access_vm); register requests are recorded and read zeros.
    /// Signals `peekSignals` reports as pending (siginfos of 128 bytes), by task.
    var pendingSiginfos: [HostTID: [[UInt8]]] = [:]

    func peekSignals(_ tid: HostTID, args: UnsafeMutableRawPointer, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        let off = Int(args.load(as: UInt64.self)), nr = Int(args.load(fromByteOffset: 12, as: Int32.self))
        let queue = pendingSiginfos[tid] ?? []
        var n = 0
        while n < nr && off + n < queue.count {
            queue[off + n].withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[(128 * n)..<(128 * n + 128)]).copyMemory(from: $0) }
            n += 1
        }
        return n
    }

    func traceeRequest(_ tid: HostTID, _ request: TraceeRequest, addr: UInt64, data: UnsafeMutableRawPointer?) throws(Errno) {
        guard tasks[tid] != nil else { throw .noSuchProcess }
        traceeRequests.append((tid, request))
        switch request {
        case .peekText, .peekData:
            let r: Range<Int>
            do { r = try range(tid, addr, 8) } catch { throw .ioError }
            let word = tasks[tid]!.memory.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: r.lowerBound, as: UInt64.self) }
            data?.storeBytes(of: word, as: UInt64.self)
        case .pokeText, .pokeData:
            let r: Range<Int>
            do { r = try range(tid, addr, 8) } catch { throw .ioError }
            let word = data?.load(as: UInt64.self) ?? 0
            withUnsafeBytes(of: word) { b in tasks[tid]!.memory.replaceSubrange(r, with: b) }
        case .getRegs: data?.initializeMemory(as: UInt8.self, repeating: 0, count: 216)
        case .getFPRegs: data?.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        default: break
        }
    }
}

