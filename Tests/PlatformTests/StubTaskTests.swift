// The first task running the stub: confinement, memory, injection, fd installation, re-exec.

import CHusk
import Sentry
import Glibc
import Platform
import SystemPackage
import Testing

extension PlatformTests { @Suite struct StubTaskTests {
    @Test("the tasks' host fds leave room for staging under the hard RLIMIT_NOFILE they inherit")
    func hostFDsFitTheHardLimit() {
        #expect(TaskHostFD.control(hardLimit: UInt64.max) == 1000)
        #expect(TaskHostFD.control(hardLimit: 1_048_576) == 1000)
        #expect(TaskHostFD.control(hardLimit: 1032) == 1000)
        #expect(TaskHostFD.control(hardLimit: 1031) == 999)
        #expect(TaskHostFD.control(hardLimit: 700) == 668)
        #expect(TaskHostFD.control(hardLimit: 20) == 16)
        #expect(TaskHostFD.stub == TaskHostFD.control + 1)
    }

    @Test func stubImageAndInjection() throws {
        let p = try PtracePlatform(filter: SyscallTable.applicationFilter)
        let stubFD = try makeStubMemfd()
        defer { close(stubFD) }
        let tid = try p.startFirstTask(FirstTaskSpec(argv: ["husk"], envp: ["A=B"], fixedFDs: [], stubFD: stubFD))
        defer { killAndReap(p, tid) }

        let img = try p.stubImage(tid)
        #expect(img.stubBase & 0xfff == 0 && img.stubBase != 0)
        #expect(img.vdsoBase != 0 && img.vdsoBase & 0xfff == 0)
        #expect(img.randomAddress > img.stackPointer)
        #expect(img.stubSize == StubELF.imageSize)
        #expect(p.virtualTID(tid) == 1)

        // Injection at the exec-event stop: the nested PID namespace makes it PID 1.
        #expect(try p.injectSyscall(tid, 39, []) == 1)
        #expect(try p.injectSyscall(tid, 110, []) == 0)          // getppid: parent is outside

        // Scratch memory round trip; unmapped memory is EFAULT.
        let scratch = try p.scratchAddress(tid)
        #expect(scratch == img.stubBase + StubELF.scratchOffset)
        let pattern: [UInt8] = (0..<200).map { UInt8($0 & 0xff) }
        try pattern.withUnsafeBytes { try p.writeMemory(tid, at: scratch + 100, from: $0) }
        var back = [UInt8](repeating: 0, count: 200)
        try back.withUnsafeMutableBytes { try p.readMemory(tid, at: scratch + 100, into: $0) }
        #expect(back == pattern)
        #expect(throws: Errno.badAddress) {
            try back.withUnsafeMutableBytes { try p.readMemory(tid, at: 0x1000, into: $0) }
        }
        #expect(throws: Errno.badAddress) {   // runs off the end of the scratch segment
            try back.withUnsafeMutableBytes { try p.readMemory(tid, at: img.stubBase + img.stubSize - 100, into: $0) }
        }

        // Confinement.
        #expect(statusField(tid, "CapEff") == "0000000000000000")
        #expect(statusField(tid, "CapBnd") == "0000000000000000")
        #expect(statusField(tid, "CapPrm") == "0000000000000000")
        #expect(statusField(tid, "NoNewPrivs") == "1")
        #expect(statusField(tid, "Seccomp") == "2")
        #expect(statusField(tid, "SigBlk") == "0000000000000000")
        #expect(statusField(tid, "SigIgn") == "0000000000000000")
        #expect(listFDs(tid) == [TaskHostFD.control, TaskHostFD.stub])

        // installFD + an injected write into a pipe the test reads.
        var pp: (Int32, Int32) = (-1, -1)
        _ = withUnsafeMutableBytes(of: &pp) { pipe($0.baseAddress!.assumingMemoryBound(to: Int32.self)) }
        defer { close(pp.0); close(pp.1) }
        let remote = try p.installFD(tid, pp.1)
        #expect(remote >= 0 && remote != TaskHostFD.control && remote != TaskHostFD.stub)
        #expect(listFDs(tid) == [remote, TaskHostFD.control, TaskHostFD.stub].sorted())
        let msg = Array("hello from the task".utf8)
        try msg.withUnsafeBytes { try p.writeMemory(tid, at: scratch, from: $0) }
        #expect(try p.injectSyscall(tid, 1, [UInt64(remote), scratch, UInt64(msg.count)]) == Int64(msg.count))
        var got = [UInt8](repeating: 0, count: 64)
        let n = got.withUnsafeMutableBytes { read(pp.0, $0.baseAddress, 64) }
        #expect(n == msg.count && Array(got[0..<max(n, 0)]) == msg)
        // The fd is close-on-exec in the task (MSG_CMSG_CLOEXEC): fcntl F_GETFD says so.
        #expect(try p.injectSyscall(tid, 72, [UInt64(remote), 1 /* F_GETFD */]) == 1)
        #expect(try p.injectSyscall(tid, 3, [UInt64(remote)]) == 0)
        #expect(try p.injectSyscall(tid, 3, [UInt64(remote)]) == -Int64(EBADF))
        // A second installFD works too (the socket holds no stale message).
        let remote2 = try p.installFD(tid, pp.1)
        #expect(remote2 >= 0)

        // Clone flags that create namespaces are refused by the filter itself (CLONE_UNTRACED
        // stops at the Sentry, which drops it: ApplicationFilterTests).
        #expect(try p.injectSyscall(tid, 56, [0x1000_0000 | UInt64(SIGCHLD)]) == -Int64(EPERM))

        // A signal that arrives during an injection is held back and delivered afterwards.
        try p.signalThread(tgid: tid, tid: tid, signal: SIGUSR1)
        #expect(try p.injectSyscall(tid, 39, []) == 1)
        #expect(try p.injectSyscall(tid, 39, []) == 1)
        #expect(statusField(tid, "SigPnd") == "0000000000000200")   // SIGUSR1 pending again

        // Re-exec the stub: a fresh image, fds without close-on-exec survive.
        let newTID = try p.execStub(tid)
        #expect(newTID == tid)
        let img2 = try p.stubImage(tid)
        #expect(img2.stubBase & 0xfff == 0 && img2.vdsoBase != 0)
        #expect(listFDs(tid) == [TaskHostFD.control, TaskHostFD.stub])
        #expect(try p.injectSyscall(tid, 39, []) == 1)
        #expect(readFile("/proc/\(tid)/cmdline") == "husk-stub\0")

        // Entry registers: start at the gadget with rax = 0, so the task executes read(0, 0, 0),
        // a served call; the seccomp stop shows it with zeroed arguments.
        try p.setEntryRegisters(tid, ip: img2.stubBase + 0xe8, sp: img2.stackPointer)
        try p.resume(tid, signal: 0)
        // The held-back SIGUSR1 survived the exec (pending signals do) and comes first.
        guard case .signalled(let t1, let sig1)? = waitEvent(p) else { Issue.record("no SIGUSR1"); return }
        #expect(t1 == tid && sig1 == SIGUSR1)
        try p.resume(tid, signal: 0)                                  // suppressed
        guard case .syscall(let t, let regs)? = waitEvent(p) else { Issue.record("no syscall stop"); return }
        #expect(t == tid && regs.nr == 0 && regs.args.0 == 0 && regs.args.1 == 0 && regs.args.2 == 0)
        #expect(regs.ip == img2.stubBase + 0xe8 + 2 && regs.sp == img2.stackPointer)
        // Injection at this seccomp stop, then skip: the task then reaches int3.
        #expect(try p.injectSyscall(tid, 186, []) == 1)            // gettid in the namespace
        try p.complete(tid, .skip(0))
        guard case .signalled(let t2, let sig)? = waitEvent(p) else { Issue.record("no SIGTRAP"); return }
        #expect(t2 == tid && sig == SIGTRAP)
    }

    @Test func injectedThreadInheritsTheStub() throws {
        let p = try PtracePlatform(filter: SyscallTable.applicationFilter)
        let stubFD = try makeStubMemfd()
        defer { close(stubFD) }
        let tid = try p.startFirstTask(FirstTaskSpec(argv: ["husk"], envp: [], fixedFDs: [], stubFD: stubFD))
        defer { killAndReap(p, tid) }
        let scratch = try p.scratchAddress(tid)
        // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM: a thread that starts at the gadget's int3.
        let flags: UInt64 = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000
        let vtid = try p.injectSyscall(tid, 56, [flags, scratch + 0x8000])
        #expect(vtid == 2)
        var child: Int32 = -1, started = false
        for _ in 0..<2 {
            switch waitEvent(p) {
            case .cloned(let parent, let c, let kind)?:
                #expect(parent == tid && kind == .clone)
                child = c
            case .started(let c)?:
                #expect(c == child)      // reported after its clone event, whatever the order
                started = true
            default: Issue.record("expected clone events")
            }
        }
        #expect(started && child > 0)
        #expect(p.virtualTID(child) == 2)
        #expect(try p.stubImage(child).stubBase == p.stubImage(tid).stubBase)
        #expect(try p.injectSyscall(child, 186, []) == 2)     // gettid, injected in the thread
        #expect(try p.injectSyscall(tid, 186, []) == 1)
    }

    /// A stub whose gadget was rewritten (the filter keeps programs from doing it; the test does
    /// it as the tracer) ends the injection: the task is killed, one line says why, no hang.
    @Test(arguments: [
        ([0x0f, 0x0b, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc] as [UInt8], "signal 4 at the injection gadget"),     // ud2
        ([0x48, 0x31, 0xc0, 0x0f, 0x05, 0xcc, 0xcc, 0xcc] as [UInt8], "another syscall ran where an injected 39 was expected"),  // xor rax,rax; syscall
    ])
    func tamperedGadgetKillsTheTask(bytes: [UInt8], reason: String) throws {
        let (p, tid, reported) = try startStubTask()
        #expect(try p.injectSyscall(tid, 39, []) == 1)
        let word = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(chusk_ptrace(5 /* PTRACE_POKEDATA */, tid, UInt(StubELF.gadgetAddress), UInt(word)) == 0)
        #expect(throws: Errno.noSuchProcess) { _ = try p.injectSyscall(tid, 39, []) }
        #expect(reported.lines.count == 1 && reported.lines.first?.contains(reason) == true, "\(reported.lines)")
        #expect(diedOfSIGKILL(p, tid))
    }

    /// A SIGSEGV sent with kill while an injection runs is no fault at the gadget: it is held
    /// back and delivered afterwards, and the task lives.
    @Test func sentFaultSignalIsNoTampering() throws {
        let (p, tid, reported) = try startStubTask()
        defer { killAndReap(p, tid) }
        #expect(try p.injectSyscall(tid, 39, []) == 1)
        #expect(kill(tid, SIGSEGV) == 0)
        #expect(try p.injectSyscall(tid, 39, []) == 1)
        #expect(reported.lines.isEmpty, "\(reported.lines)")
        #expect(statusField(tid, "SigPnd") == "0000000000000400" || statusField(tid, "ShdPnd") == "0000000000000400", "SIGSEGV pending again")
    }

    @Test func vanishedTaskIsAnError() throws {
        let p = try PtracePlatform(filter: SyscallTable.applicationFilter)
        let stubFD = try makeStubMemfd()
        defer { close(stubFD) }
        let tid = try p.startFirstTask(FirstTaskSpec(argv: ["husk"], envp: [], fixedFDs: [], stubFD: stubFD))
        _ = kill(tid, SIGKILL)
        #expect(throws: Errno.self) { _ = try p.injectSyscall(tid, 39, []) }
        #expect(diedOfSIGKILL(p, tid))
        #expect(throws: Errno.self) { _ = try p.injectSyscall(tid, 39, []) }
        #expect(throws: Errno.self) { try p.complete(tid, .skip(0)) }
    }

    @Test func execFailureIsReported() throws {
        let p = try PtracePlatform(filter: SyscallTable.applicationFilter)
        let fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC)   // not executable
        defer { close(fd) }
        #expect(throws: Errno.self) {
            _ = try p.startFirstTask(FirstTaskSpec(argv: ["x"], envp: [], fixedFDs: [], stubFD: fd))
        }
    }

    @Test func stubELFLayout() {
        let b = StubELF.bytes()
        #expect(Array(b[0..<4]) == [0x7f, 0x45, 0x4c, 0x46])
        #expect(b[16] == 2)                                   // ET_EXEC: the filter knows its address
        #expect(b[24..<32].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) } == StubELF.entryAddress)
        #expect(Array(b[0xe8..<0xeb]) == [0x0f, 0x05, 0xcc])  // syscall; int3
        #expect(Array(b[0xf8..<0x100]) == [0, 0, 0, 0, 0, 0, 0, 0])  // execveat's "" and empty envp
    }
}
}
