// A real (freestanding) program under the application filter: allowed calls run without a
// stop, served calls stop and are skipped or run natively, escaping clone flags are refused,
// and fork children are reported and traced.

import CHusk
import Sentry
import Glibc
import Platform
import SystemPackage
import Testing

extension PlatformTests { @Suite struct FilterProgramTests {
    static let program = """
    __attribute__((force_align_arg_pointer)) void _start(void) {
        long fail = 0;
        if (sc(39, 0,0,0,0,0,0) != 1) fail |= 1;                          // getpid: native, PID 1
        if (sc(102, 0,0,0,0,0,0) != 4242) fail |= 2;                      // getuid: served (skip 4242)
        if (sc(56, 0x10000000 | 17, 0,0,0,0,0) != -1) fail |= 4;          // clone(CLONE_NEWUSER): EPERM
        long m = sc(9, 0, 4096, 3, 0x22, -1, 0);                          // anonymous mmap: native
        if (m < 0 && m > -4096) fail |= 8; else *(volatile char *)m = 1;
        if (sc(9, 0, 4096, 1, 2, 1000, 0) != -13) fail |= 16;             // file mmap: served (EACCES)
        char uts[6 * 65];
        uts[0] = 0;
        if (sc(63, (long)uts, 0,0,0,0,0) != 0 || uts[0] != 'L') fail |= 32; // uname: native after injections
        if (sc(158, 0x1003, (long)&m, 0,0,0,0) != 0) fail |= 64;          // arch_prctl(ARCH_GET_FS): native
        if (sc(158, 0x3001, 0, 0,0,0,0) != -38) fail |= 128;              // arch_prctl(CET): served (ENOSYS)
        if (sc(107, 0,0,0,0,0,0) != 1) fail |= 512;                      // geteuid: rewritten into getpid
        if (sc(104, 0,0,0,0,0,0) != 1) fail |= 1024;                     // getgid: injection, then rewritten into gettid
        long pid = sc(57, 0,0,0,0,0,0);                                   // fork: native, reported as an event
        if (pid == 0) sc(231, 7, 0,0,0,0,0);
        int st = 0;
        if (pid <= 0 || sc(61, pid, (long)&st, 0, 0,0,0) != pid || st != (7 << 8)) fail |= 256;
        sc(231, fail, 0,0,0,0,0);
        for (;;) {}
    }
    """

    @Test func programUnderFilter() throws {
        let p = try PtracePlatform(filter: SyscallTable.applicationFilter)
        let exe = try Fixture.build("filter", Self.program)
        defer { close(exe) }
        let tid = try p.startFirstTask(FirstTaskSpec(argv: ["filter"], envp: [], fixedFDs: [], stubFD: exe))
        #expect(throws: Errno.invalidArgument) { _ = try p.scratchAddress(tid) }   // not the stub
        try p.resume(tid, signal: 0)

        var stops: [Int] = []
        var children: Set<Int32> = []
        var childStarted = false, childExit: Int32 = -1, exitStatus: Int32 = -1
        loop: while let e = waitEvent(p) {
            switch e {
            case .syscall(let t, let regs):
                stops.append(regs.nr)
                switch regs.nr {
                case 102: try p.complete(t, .skip(4242))
                case 9:
                    #expect(regs.arg(4) == 1000 && regs.arg(3) == 2)
                    try p.complete(t, .skip(-13))
                case 63:
                    // Inject at the seccomp stop (replaces the call), then again at the exit
                    // stop (through the task's own syscall instruction), then run uname for real.
                    #expect(try p.injectSyscall(t, 39, []) == 1)
                    #expect(try p.injectSyscall(t, 110, []) == 0)
                    try p.complete(t, .runNative)
                case 107:
                    var r = regs
                    r.nr = 39
                    try p.completeRewritten(t, r)
                case 104:
                    #expect(try p.injectSyscall(t, 39, []) == 1)
                    var r = regs
                    r.nr = 186
                    try p.completeRewritten(t, r)
                case 61:
                    try p.complete(t, .runNative)     // wait4: the Sentry lets a non-tracer's wait run
                default: try p.complete(t, .skip(-38))
                }
            case .cloned(let parent, let child, let kind):
                #expect(parent == tid)
                #expect(kind == .fork)
                children.insert(child)
                try p.resume(parent, signal: 0)
            case .started(let child):
                childStarted = true
                #expect(children.contains(child))
                #expect(p.virtualTID(child) == 2)
                try p.resume(child, signal: 0)
            case .exiting(let t, _):
                try p.resume(t, signal: 0)
            case .signalled(let t, let sig):
                #expect(sig == SIGCHLD)                // the fork child's exit
                try p.resume(t, signal: sig)
            case .exited(let t, let st):
                if t == tid { exitStatus = st; break loop }
                childExit = st
            default:
                Issue.record("unexpected event \(e)")
                break loop
            }
        }
        #expect(stops == [102, 9, 63, 158, 107, 104, 61])   // fork runs natively: no stop; wait4 stops
        #expect(childStarted && children.count == 1)
        #expect(childExit == 7 << 8)
        #expect(exitStatus == 0, "failure bits \(exitStatus >> 8)")
    }

    @Test func foreignArchitectureIsKilled() throws {
        // int 0x80 reaches the i386 table (20 = getpid there): the filter kills the process.
        let p = try PtracePlatform(filter: SyscallTable.applicationFilter)
        let exe = try Fixture.build("int80", """
        __attribute__((force_align_arg_pointer)) void _start(void) {
            long r;
            __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
            sc(231, 3, 0,0,0,0,0);
            for (;;) {}
        }
        """)
        defer { close(exe) }
        let tid = try p.startFirstTask(FirstTaskSpec(argv: ["int80"], envp: [], fixedFDs: [], stubFD: exe))
        try p.resume(tid, signal: 0)
        var status: Int32 = -1
        while let e = waitEvent(p) {
            if case .exiting(let t, _) = e { try p.resume(t, signal: 0) }
            else if case .exited(_, let st) = e { status = st; break }
            else { Issue.record("unexpected \(e)"); break }
        }
        #expect(status & 0x7f == SIGSYS)
    }

    @Test func verdictsMatchTheTable() {
        let z: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        #expect(SyscallTable.applicationFilter.verdict(nr: 39, args: z) == .allow)
        #expect(SyscallTable.applicationFilter.verdict(nr: 2, args: z) == .trace)
        #expect(SyscallTable.applicationFilter.verdict(nr: 9, args: (0, 4096, 3, 0x22, UInt64.max, 0)) == .allow)
        #expect(SyscallTable.applicationFilter.verdict(nr: 9, args: (0, 4096, 3, 0x02, 5, 0)) == .trace)
        #expect(SyscallTable.applicationFilter.verdict(nr: 28, args: (0, 4096, 4, 0, 0, 0)) == .allow)
        #expect(SyscallTable.applicationFilter.verdict(nr: 28, args: (0, 4096, 9, 0, 0, 0)) == .trace)   // MADV_REMOVE
        #expect(SyscallTable.applicationFilter.verdict(nr: 56, args: (0x1000_0000 | 17, 0, 0, 0, 0, 0)) == .errno(EPERM))
        #expect(SyscallTable.applicationFilter.verdict(nr: 56, args: (0x3d0f00, 0, 0, 0, 0, 0)) == .trace)  // pthread_create's flags
    }
}
}
