// End to end: a traced stub task (PtracePlatform), the Loader maps a real program into it by
// injection, and the program runs to its exit status. Served syscalls simply run natively
// here (no Sentry kernel): the point is that the image, the stack and the auxv are right.

import Glibc
import Platform
import Testing
@testable import Sentry
import SystemPackage

/// The Loader's address space over the Platform directly (what TaskAddressSpace does through a Task).
final class PlatformAddressSpace: LoaderAddressSpace {
    let p: PtracePlatform
    let tid: HostTID
    var installed: [Int32: Int32] = [:]
    init(_ p: PtracePlatform, _ tid: HostTID) { self.p = p; self.tid = tid }

    func call(_ nr: Int, _ args: [UInt64]) throws(Errno) -> UInt64 {
        let r = try p.injectSyscall(tid, nr, args)
        if r < 0 && r > -4096 { throw Errno(rawValue: Int32(-r)) }
        return UInt64(bitPattern: r)
    }
    func mapFile(_ hostFD: Int32, address: UInt64, length: UInt64, prot: Int32, flags: Int32, offset: Int64) throws(Errno) -> UInt64 {
        let fd: Int32
        if let f = installed[hostFD] { fd = f } else { fd = try p.installFD(tid, hostFD); installed[hostFD] = fd }
        return try call(9, [address, length, UInt64(prot), UInt64(UInt32(bitPattern: flags)), UInt64(fd), UInt64(bitPattern: offset)])
    }
    func mapAnonymous(address: UInt64, length: UInt64, prot: Int32, flags: Int32) throws(Errno) -> UInt64 {
        try call(9, [address, length, UInt64(prot), UInt64(UInt32(bitPattern: flags)), UInt64.max, 0])
    }
    func unmap(_ address: UInt64, length: UInt64) throws(Errno) { _ = try call(11, [address, length]) }
    func protect(_ address: UInt64, length: UInt64, prot: Int32) throws(Errno) { _ = try call(10, [address, length, UInt64(UInt32(bitPattern: prot))]) }
    func write(_ address: UInt64, _ bytes: [UInt8]) throws(Errno) {
        let r: Result<Void, Errno> = bytes.withUnsafeBytes { b in Result { () throws(Errno) in try p.writeMemory(tid, at: address, from: b) } }
        try r.get()
    }
    func finish() { for fd in installed.values { _ = try? p.injectSyscall(tid, 3, [UInt64(fd)]) } }
}

/// Ptrace tests reap with waitpid(-1): never in parallel with each other.
@Suite(.serialized, ExclusiveChildren()) struct LoaderPtraceTests {
    /// Loads `path` with `argv` into a fresh stub task and returns its wait status.
    func run(_ path: String, _ argv: [String], envp: [String] = []) throws -> Int32 {
        let p = try PtracePlatform(filter: SyscallTable.applicationFilter)
        let stubFD = try makeStubMemfd()
        defer { close(stubFD) }
        let tid = try p.startFirstTask(FirstTaskSpec(argv: ["husk"], envp: [], fixedFDs: [], stubFD: stubFD))
        let plan = try ExecPlan.prepare(path: bytes(path), argv: argv.map(bytes), envp: envp.map(bytes), open: hostOpen)
        let space = PlatformAddressSpace(p, tid)
        var rng = SystemRandomNumberGenerator()
        let image = try Loader.load(plan, into: space, stub: try p.stubImage(tid), creds: Credentials(), host: HostAuxv.current(), rng: &rng)
        space.finish()
        try p.setEntryRegisters(tid, ip: image.entry, sp: image.stackPointer)
        try p.resume(tid, signal: 0)
        var polls = 0
        while polls < 200 {
            guard let e = nextEvent(p) else { polls += 1; continue }
            switch e {
            case .syscall(let t, _): try p.complete(t, .runNative)
            case .exiting(let t, _): try p.resume(t, signal: 0)
            case .signalled(let t, let sig): try p.resume(t, signal: sig)
            case .exited(let t, let status) where t == tid: return status
            default: break
            }
        }
        _ = kill(tid, SIGKILL)
        Issue.record("\(path) did not exit")
        return -1
    }

    func nextEvent(_ p: PtracePlatform) -> TaskEvent? {
        if let e = p.nextEvent() { return e }
        var pfd = pollfd(fd: p.eventFD, events: Int16(POLLIN), revents: 0)
        _ = poll(&pfd, 1, 50)
        return p.nextEvent()
    }

    @Test func staticBusybox() throws {
        #expect(try run("/bin/busybox", ["true"]) == 0)
        // `false` exits 1: argv reached the program (busybox dispatches on argv[0]).
        #expect(try run("/bin/busybox", ["false"]) == 1 << 8)
        #expect(try run("/bin/busybox", ["sh", "-c", "exit 42"]) == 42 << 8)
    }

    @Test func dynamicPIEWithLdSo() throws {
        #expect(try run("/bin/true", ["true"]) == 0)
        #expect(try run("/bin/false", ["false"]) == 1 << 8)
    }

    @Test func bigArgumentsUseAFreshStack() throws {
        let env = (0..<300).map { "V\($0)=" + String(repeating: "x", count: 400) }
        #expect(try run("/bin/busybox", ["sh", "-c", "exit ${#V299}"], envp: env) == (400 % 256) << 8)
    }
}
