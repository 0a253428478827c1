import CHusk
import LinuxABI
import Testing

/// LinuxABI names that the installed C headers (glibc 2.36, Linux 6.1 uapi) do not define:
/// newer than the headers, kernel-internal, or kernel-only. Their values are checked below
/// against the kernel sources instead.
let notInCHeaders: Set<String> = [
    // Kernel-internal (include/linux/errno.h, include/linux/sched.h, fs/namei.c, net.h).
    "ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ENOIOCTLCMD", "ERESTART_RESTARTBLOCK",
    "TASK_COMM_LEN", "MAXSYMLINKS", "SOCK_TYPE_MASK", "ST_VALID", "MQUEUE_MAGIC",
    // LinuxABI's own names for kernel values.
    "KERNEL_NSIG", "KERNEL_SIGSET_SIZE",
    // uapi-only (linux/*.h or asm/*.h that clash with glibc's headers in one C file).
    "CLONE_CLEAR_SIGHAND", "CLONE_INTO_CGROUP", "SA_RESTORER", "SA_UNSUPPORTED",
    "SA_EXPOSE_TAGBITS", "SS_AUTODISARM", "MAP_UNINITIALIZED", "ARG_MAX", "SYS_SECCOMP",
    // Newer than the installed 6.1 headers: STATX_MNT_ID_UNIQUE (6.8), MFD_EXEC and
    // MFD_NOEXEC_SEAL (6.3).
    "STATX_MNT_ID_UNIQUE", "MFD_EXEC", "MFD_NOEXEC_SEAL",
]

@Test func everyConstantMatchesTheCHeaders() {
    var missing: [String] = []
    let all = makeAllConstants()
    for c in all {
        guard let v = cConst(c.name) else {
            missing.append(c.name)
            continue
        }
        let mask: UInt64 = c.width >= 64 ? .max : (1 << UInt64(c.width)) - 1
        #expect(UInt64(bitPattern: v) & mask == c.bits & mask, "\(c.name): C \(v), Swift \(c.bits)")
    }
    let unexplained = Set(missing).subtracting(skippedInC)
    #expect(unexplained == notInCHeaders, "unexpected missing: \(unexplained.subtracting(notInCHeaders)), stale: \(notInCHeaders.subtracting(unexplained))")
    #expect(all.count > 500)
}

@Test func kernelOnlyValues() {
    // Values the C headers give differently on purpose (see C_SKIP in gen-syscalls.py).
    #expect(OpenFlags.O_LARGEFILE == 0o100000)
    #expect(Signal.SIGRTMIN == 32)
    #expect(Signal.SIGRTMAX == 64)
    #expect(Signal.SIG_DFL == 0 && Signal.SIG_IGN == 1)
    #expect(SigactionFlags.MINSIGSTKSZ == 2048 && SigactionFlags.SIGSTKSZ == 8192)
    // uapi values (asm/signal.h, linux/sched.h, asm-generic/mman-common.h, linux/memfd.h).
    #expect(SigactionFlags.SA_RESTORER == 0x0400_0000)
    #expect(CloneFlags.CLONE_CLEAR_SIGHAND == 1 << 32 && CloneFlags.CLONE_INTO_CGROUP == 1 << 33)
    #expect(Mmap.MAP_UNINITIALIZED == 0x400_0000)
    #expect(MemfdFlags.MFD_NOEXEC_SEAL == 8 && MemfdFlags.MFD_EXEC == 0x10)
    #expect(StatxMask.STATX_MNT_ID_UNIQUE == 0x4000)
    // Kernel-internal errnos (include/linux/errno.h).
    #expect(LinuxErrno.ERESTARTSYS == 512)
    #expect(LinuxErrno.ERESTARTNOINTR == 513)
    #expect(LinuxErrno.ERESTARTNOHAND == 514)
    #expect(LinuxErrno.ENOIOCTLCMD == 515)
    #expect(LinuxErrno.ERESTART_RESTARTBLOCK == 516)
}

@Test func compositeFlagsContainTheirParts() {
    #expect(OpenFlags.O_TMPFILE & OpenFlags.O_DIRECTORY == OpenFlags.O_DIRECTORY)
    #expect(OpenFlags.O_SYNC & OpenFlags.O_DSYNC == OpenFlags.O_DSYNC)
    #expect(StatxMask.STATX_BASIC_STATS | StatxMask.STATX_BTIME == StatxMask.STATX_ALL)
    #expect(UInt32(DirentType.DT_DIR) == FileMode.S_IFDIR >> 12)
    #expect(UInt32(DirentType.DT_LNK) == FileMode.S_IFLNK >> 12)
}
