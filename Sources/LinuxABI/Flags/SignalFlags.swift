// Signals: numbers, dispositions, sigaction flags, sigprocmask how, si_code values.

/// Signal numbers on x86_64 (asm/signal.h).
public enum Signal {
    public static let SIGHUP: Int32 = 1
    public static let SIGINT: Int32 = 2
    public static let SIGQUIT: Int32 = 3
    public static let SIGILL: Int32 = 4
    public static let SIGTRAP: Int32 = 5
    public static let SIGABRT: Int32 = 6
    public static let SIGIOT: Int32 = 6
    public static let SIGBUS: Int32 = 7
    public static let SIGFPE: Int32 = 8
    public static let SIGKILL: Int32 = 9
    public static let SIGUSR1: Int32 = 10
    public static let SIGSEGV: Int32 = 11
    public static let SIGUSR2: Int32 = 12
    public static let SIGPIPE: Int32 = 13
    public static let SIGALRM: Int32 = 14
    public static let SIGTERM: Int32 = 15
    public static let SIGSTKFLT: Int32 = 16
    public static let SIGCHLD: Int32 = 17
    public static let SIGCONT: Int32 = 18
    public static let SIGSTOP: Int32 = 19
    public static let SIGTSTP: Int32 = 20
    public static let SIGTTIN: Int32 = 21
    public static let SIGTTOU: Int32 = 22
    public static let SIGURG: Int32 = 23
    public static let SIGXCPU: Int32 = 24
    public static let SIGXFSZ: Int32 = 25
    public static let SIGVTALRM: Int32 = 26
    public static let SIGPROF: Int32 = 27
    public static let SIGWINCH: Int32 = 28
    public static let SIGIO: Int32 = 29
    public static let SIGPOLL: Int32 = 29
    public static let SIGPWR: Int32 = 30
    public static let SIGSYS: Int32 = 31
    // Not compared with the C headers: glibc's SIGRTMIN is a function returning 34 (it keeps
    // 32 and 33 for NPTL) and its _NSIG is 65. These are the kernel's values.
    /// First real-time signal as the kernel numbers it (glibc programs see 34).
    public static let SIGRTMIN: Int32 = 32
    public static let SIGRTMAX: Int32 = 64
    /// Number of signals (kernel _NSIG); sigset_t is 64 bits (8 bytes) for rt_sig* calls.
    public static let KERNEL_NSIG: Int32 = 64
    public static let KERNEL_SIGSET_SIZE: Int = 8
    /// Dispositions as the handler field of the kernel's sigaction holds them.
    public static let SIG_DFL: UInt64 = 0
    public static let SIG_IGN: UInt64 = 1
    public static let SIG_ERR: UInt64 = UInt64.max

    // rt_sigprocmask how
    public static let SIG_BLOCK: Int32 = 0
    public static let SIG_UNBLOCK: Int32 = 1
    public static let SIG_SETMASK: Int32 = 2
}

/// sa_flags of the kernel's sigaction (asm/signal.h, asm-generic/signal-defs.h).
public enum SigactionFlags {
    public static let SA_NOCLDSTOP: UInt64 = 0x0000_0001
    public static let SA_NOCLDWAIT: UInt64 = 0x0000_0002
    public static let SA_SIGINFO: UInt64 = 0x0000_0004
    /// The kernel ignores unknown bits but reports them (6.x): SA_UNSUPPORTED probes this.
    public static let SA_UNSUPPORTED: UInt64 = 0x0000_0400
    public static let SA_EXPOSE_TAGBITS: UInt64 = 0x0000_0800
    public static let SA_RESTORER: UInt64 = 0x0400_0000
    public static let SA_ONSTACK: UInt64 = 0x0800_0000
    public static let SA_RESTART: UInt64 = 0x1000_0000
    public static let SA_NODEFER: UInt64 = 0x4000_0000
    public static let SA_RESETHAND: UInt64 = 0x8000_0000
    public static let SA_NOMASK: UInt64 = 0x4000_0000
    public static let SA_ONESHOT: UInt64 = 0x8000_0000
    // sigaltstack
    public static let SS_ONSTACK: Int32 = 1
    public static let SS_DISABLE: Int32 = 2
    public static let SS_AUTODISARM: UInt32 = 1 << 31
    public static let MINSIGSTKSZ: Int = 2048
    public static let SIGSTKSZ: Int = 8192
}

/// siginfo si_code values (asm-generic/siginfo.h).
public enum SigCode {
    public static let SI_USER: Int32 = 0
    public static let SI_KERNEL: Int32 = 0x80
    public static let SI_QUEUE: Int32 = -1
    public static let SI_TIMER: Int32 = -2
    public static let SI_MESGQ: Int32 = -3
    public static let SI_ASYNCIO: Int32 = -4
    public static let SI_SIGIO: Int32 = -5
    public static let SI_TKILL: Int32 = -6
    public static let CLD_EXITED: Int32 = 1
    public static let CLD_KILLED: Int32 = 2
    public static let CLD_DUMPED: Int32 = 3
    public static let CLD_TRAPPED: Int32 = 4
    public static let CLD_STOPPED: Int32 = 5
    public static let CLD_CONTINUED: Int32 = 6
    public static let SEGV_MAPERR: Int32 = 1
    public static let SEGV_ACCERR: Int32 = 2
    public static let SYS_SECCOMP: Int32 = 1
    public static let POLL_IN: Int32 = 1
    public static let POLL_OUT: Int32 = 2
    public static let POLL_HUP: Int32 = 6
}
