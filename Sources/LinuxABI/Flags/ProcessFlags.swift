// Processes: clone flags, wait options, auxv types, prctl options, rlimits.

/// clone(2)/clone3(2) flags (linux/sched.h). UInt64: clone3 flags pass 32 bits.
public enum CloneFlags {
    public static let CSIGNAL: UInt64 = 0x0000_00ff
    public static let CLONE_NEWTIME: UInt64 = 0x0000_0080
    public static let CLONE_VM: UInt64 = 0x0000_0100
    public static let CLONE_FS: UInt64 = 0x0000_0200
    public static let CLONE_FILES: UInt64 = 0x0000_0400
    public static let CLONE_SIGHAND: UInt64 = 0x0000_0800
    public static let CLONE_PIDFD: UInt64 = 0x0000_1000
    public static let CLONE_PTRACE: UInt64 = 0x0000_2000
    public static let CLONE_VFORK: UInt64 = 0x0000_4000
    public static let CLONE_PARENT: UInt64 = 0x0000_8000
    public static let CLONE_THREAD: UInt64 = 0x0001_0000
    public static let CLONE_NEWNS: UInt64 = 0x0002_0000
    public static let CLONE_SYSVSEM: UInt64 = 0x0004_0000
    public static let CLONE_SETTLS: UInt64 = 0x0008_0000
    public static let CLONE_PARENT_SETTID: UInt64 = 0x0010_0000
    public static let CLONE_CHILD_CLEARTID: UInt64 = 0x0020_0000
    public static let CLONE_DETACHED: UInt64 = 0x0040_0000
    public static let CLONE_UNTRACED: UInt64 = 0x0080_0000
    public static let CLONE_CHILD_SETTID: UInt64 = 0x0100_0000
    public static let CLONE_NEWCGROUP: UInt64 = 0x0200_0000
    public static let CLONE_NEWUTS: UInt64 = 0x0400_0000
    public static let CLONE_NEWIPC: UInt64 = 0x0800_0000
    public static let CLONE_NEWUSER: UInt64 = 0x1000_0000
    public static let CLONE_NEWPID: UInt64 = 0x2000_0000
    public static let CLONE_NEWNET: UInt64 = 0x4000_0000
    public static let CLONE_IO: UInt64 = 0x8000_0000
    public static let CLONE_CLEAR_SIGHAND: UInt64 = 0x1_0000_0000
    public static let CLONE_INTO_CGROUP: UInt64 = 0x2_0000_0000
}

/// wait4(2)/waitid(2) options and idtypes (linux/wait.h).
public enum WaitOptions {
    public static let WNOHANG: Int32 = 0x0000_0001
    public static let WUNTRACED: Int32 = 0x0000_0002
    public static let WSTOPPED: Int32 = 0x0000_0002
    public static let WEXITED: Int32 = 0x0000_0004
    public static let WCONTINUED: Int32 = 0x0000_0008
    public static let WNOWAIT: Int32 = 0x0100_0000
    public static let __WNOTHREAD: Int32 = 0x2000_0000
    public static let __WALL: Int32 = 0x4000_0000
    public static let __WCLONE: Int32 = -0x8000_0000
    public static let P_ALL: Int32 = 0
    public static let P_PID: Int32 = 1
    public static let P_PGID: Int32 = 2
    public static let P_PIDFD: Int32 = 3
}

/// ELF auxiliary vector types (linux/auxvec.h, asm/auxvec.h).
public enum Auxv {
    public static let AT_NULL: UInt64 = 0
    public static let AT_IGNORE: UInt64 = 1
    public static let AT_EXECFD: UInt64 = 2
    public static let AT_PHDR: UInt64 = 3
    public static let AT_PHENT: UInt64 = 4
    public static let AT_PHNUM: UInt64 = 5
    public static let AT_PAGESZ: UInt64 = 6
    public static let AT_BASE: UInt64 = 7
    public static let AT_FLAGS: UInt64 = 8
    public static let AT_ENTRY: UInt64 = 9
    public static let AT_NOTELF: UInt64 = 10
    public static let AT_UID: UInt64 = 11
    public static let AT_EUID: UInt64 = 12
    public static let AT_GID: UInt64 = 13
    public static let AT_EGID: UInt64 = 14
    public static let AT_PLATFORM: UInt64 = 15
    public static let AT_HWCAP: UInt64 = 16
    public static let AT_CLKTCK: UInt64 = 17
    public static let AT_SECURE: UInt64 = 23
    public static let AT_BASE_PLATFORM: UInt64 = 24
    public static let AT_RANDOM: UInt64 = 25
    public static let AT_HWCAP2: UInt64 = 26
    public static let AT_RSEQ_FEATURE_SIZE: UInt64 = 27
    public static let AT_RSEQ_ALIGN: UInt64 = 28
    public static let AT_EXECFN: UInt64 = 31
    public static let AT_SYSINFO_EHDR: UInt64 = 33
    public static let AT_MINSIGSTKSZ: UInt64 = 51
}

/// prctl(2) options (linux/prctl.h).
public enum Prctl {
    public static let PR_SET_PDEATHSIG: Int32 = 1
    public static let PR_GET_PDEATHSIG: Int32 = 2
    public static let PR_GET_DUMPABLE: Int32 = 3
    public static let PR_SET_DUMPABLE: Int32 = 4
    public static let PR_GET_KEEPCAPS: Int32 = 7
    public static let PR_SET_KEEPCAPS: Int32 = 8
    public static let PR_GET_TIMING: Int32 = 13
    public static let PR_SET_NAME: Int32 = 15
    public static let PR_GET_NAME: Int32 = 16
    public static let PR_GET_SECCOMP: Int32 = 21
    public static let PR_SET_SECCOMP: Int32 = 22
    public static let PR_CAPBSET_READ: Int32 = 23
    public static let PR_CAPBSET_DROP: Int32 = 24
    public static let PR_GET_SECUREBITS: Int32 = 27
    public static let PR_SET_SECUREBITS: Int32 = 28
    public static let PR_GET_TIMERSLACK: Int32 = 30
    public static let PR_SET_TIMERSLACK: Int32 = 29
    public static let PR_SET_MM: Int32 = 35
    public static let PR_SET_CHILD_SUBREAPER: Int32 = 36
    public static let PR_GET_CHILD_SUBREAPER: Int32 = 37
    public static let PR_SET_NO_NEW_PRIVS: Int32 = 38
    public static let PR_GET_NO_NEW_PRIVS: Int32 = 39
    public static let PR_GET_TID_ADDRESS: Int32 = 40
    public static let PR_SET_THP_DISABLE: Int32 = 41
    public static let PR_GET_THP_DISABLE: Int32 = 42
    public static let PR_CAP_AMBIENT: Int32 = 47
    public static let PR_CAP_AMBIENT_IS_SET: Int32 = 1
    public static let PR_CAP_AMBIENT_RAISE: Int32 = 2
    public static let PR_CAP_AMBIENT_LOWER: Int32 = 3
    public static let PR_CAP_AMBIENT_CLEAR_ALL: Int32 = 4
    public static let PR_SET_VMA: Int32 = 0x5356_4d41
    /// Length of the comm name PR_SET_NAME takes, NUL included (TASK_COMM_LEN).
    public static let TASK_COMM_LEN: Int = 16
    // arch_prctl(2) codes (asm/prctl.h)
    public static let ARCH_SET_GS: Int32 = 0x1001
    public static let ARCH_SET_FS: Int32 = 0x1002
    public static let ARCH_GET_FS: Int32 = 0x1003
    public static let ARCH_GET_GS: Int32 = 0x1004
}

/// getrlimit(2)/prlimit64(2) resources (asm-generic/resource.h).
public enum Rlimit {
    public static let RLIMIT_CPU: Int32 = 0
    public static let RLIMIT_FSIZE: Int32 = 1
    public static let RLIMIT_DATA: Int32 = 2
    public static let RLIMIT_STACK: Int32 = 3
    public static let RLIMIT_CORE: Int32 = 4
    public static let RLIMIT_RSS: Int32 = 5
    public static let RLIMIT_NPROC: Int32 = 6
    public static let RLIMIT_NOFILE: Int32 = 7
    public static let RLIMIT_MEMLOCK: Int32 = 8
    public static let RLIMIT_AS: Int32 = 9
    public static let RLIMIT_LOCKS: Int32 = 10
    public static let RLIMIT_SIGPENDING: Int32 = 11
    public static let RLIMIT_MSGQUEUE: Int32 = 12
    public static let RLIMIT_NICE: Int32 = 13
    public static let RLIMIT_RTPRIO: Int32 = 14
    public static let RLIMIT_RTTIME: Int32 = 15
    public static let RLIM_NLIMITS: Int32 = 16
    public static let RLIM_INFINITY: UInt64 = UInt64.max
}
