// The Sentry's host attack surface: the host syscalls its seccomp filter admits once the first
// task exists, each with the reason the kernel needs it, and the capabilities it keeps.
// Everything else (open of host paths, execve, socket, mount, ...) is refused with EPERM and
// logged by the SIGSYS handler. docs/security.md explains the residual risks.

import CHusk
import Glibc
import LinuxABI
import Platform
import Sentry
import SystemPackage

public enum SentryConfinement {
    static let O_CLOEXEC: UInt64 = 0o2000000
    static let positiveInt: HostSyscallRule.Check = .masked(arg: 0, mask: 0xffff_ffff_8000_0000, value: 0)

    /// The allow list (docs/security.md "Sentry" carries the same table).
    public static let filter = HostFilter(part: "sentry", rules: {
        func r(_ name: String, _ reason: String, _ checks: [HostSyscallRule.Check] = []) -> HostSyscallRule {
            guard let nr = syscallNumber(named: name) else { fatalError("unknown syscall \(name)") }
            return HostSyscallRule(name, Int32(nr), reason, checks: checks)
        }
        return [
            // Tracing the application tasks (Platform/Ptrace).
            r("ptrace", "the Platform: stops, registers, options, injection, detach of the tasks it traces"),
            r("wait4", "collects ptrace stops and exits of the tasks"),
            r("waitid", "same (waitid variants)"),
            r("process_vm_readv", "copies syscall arguments in from a task, once"),
            r("process_vm_writev", "copies results out to a task"),
            // The unotify platform's listener (taken from the first task before this filter):
            // these three requests only, which no other kind of fd answers.
            r("ioctl", "SECCOMP_IOCTL_NOTIF_RECV on the unotify listener: receives a served call", [.equal(arg: 1, value: chusk_notif_ioctl_recv())]),
            r("ioctl", "SECCOMP_IOCTL_NOTIF_SEND on the unotify listener: answers a served call", [.equal(arg: 1, value: chusk_notif_ioctl_send())]),
            r("ioctl", "SECCOMP_IOCTL_NOTIF_ID_VALID on the unotify listener: the call still waits (after each read of its memory)",
              [.equal(arg: 1, value: chusk_notif_ioctl_id_valid())]),
            r("tgkill", "delivers a served signal to one task (or interrupts a parked one)"),
            r("rt_tgsigqueueinfo", "delivers a signal with the sender's siginfo to one task; tgid > 0 only", [positiveInt]),
            r("tkill", "re-raises held-back signals after an injection"),
            // pid1 must be the Sentry's own: a second, tiny filter checks that (ownPidProgram),
            // so that this one is the same in every Sentry and compiled at build time.
            r("kcmp", "checks that an fd installed in a task is the Sentry's file (KCMP_FILE, from itself only)",
              [.equal(arg: 2, value: 0 /* KCMP_FILE */)]),
            r("kill", "process-directed signals to tasks; pid > 0 only (no process groups, no -1)", [positiveInt]),
            // fds: the Gofer socket, donated host files, stdio pipes, memfds.
            r("read", "host files donated by the Gofer, stdio pipes, signalfd, timerfd, /proc status files"),
            r("write", "host files, stdio pipes, the status pipe, the log on fd 2"),
            r("pread64", "file reads at an offset (Gofer files, memfd-backed tmpfs, ELF loading)"),
            r("pwrite64", "file writes at an offset"),
            r("readv", "vectored reads of host files"),
            r("writev", "vectored writes of host files"),
            r("lseek", "offsets and sizes of host files"),
            r("close", "drops host fds"),
            r("dup", "duplicates host fds it owns"),
            r("dup3", "same"),
            r("fcntl", "O_NONBLOCK and close-on-exec of its own fds"),
            r("fstat", "stat of an fd it holds"),
            r("newfstatat", "glibc's fstat (AT_EMPTY_PATH on an fd it holds); its root holds only /proc"),
            r("statx", "stat of an fd it holds"),
            r("fstatfs", "statfs of a donated file"),
            r("ftruncate", "sizes memfd-backed tmpfs files and donated files"),
            r("fallocate", "same (tmpfs files)"),
            r("fsync", "fsync of a donated file"),
            r("fdatasync", "same"),
            r("memfd_create", "backing memory of the sandbox's tmpfs files, stub and filter images"),
            r("sendmsg", "the Gofer protocol and fd installation (SCM_RIGHTS) into tasks"),
            r("recvmsg", "Gofer replies with donated fds"),
            // The event loop.
            r("epoll_create1", "the event loop's epoll set"),
            r("epoll_ctl", "watches host fds"),
            r("epoll_wait", "the event loop"),
            r("epoll_pwait", "same (glibc may use it for epoll_wait)"),
            r("poll", "readiness of one host stdio fd, and of the unotify listener (no timeout)"),
            r("signalfd4", "SIGCHLD (ptrace events) as an fd"),
            r("timerfd_create", "the realtime clock-change watch of TFD_TIMER_CANCEL_ON_SET timerfds"),
            r("timerfd_settime", "same"),
            r("timerfd_gettime", "same"),
            r("rt_sigprocmask", "blocks SIGCHLD for its signalfd"),
            r("rt_sigaction", "its own handlers (SIGSYS logger, SIGPIPE ignored)"),
            r("rt_sigreturn", "returns from its SIGSYS handler"),
            // Memory and runtime.
            r("mmap", "its own heap and mappings of its own memfds"),
            r("munmap", "same"),
            r("mprotect", "same"),
            r("mremap", "same"),
            r("madvise", "same"),
            r("brk", "the heap"),
            r("futex", "the Swift runtime's locks"),
            r("getrandom", "getrandom() served to tasks, AT_RANDOM, sandbox ids"),
            r("clock_gettime", "time (the vDSO usually serves it)"),
            r("sysinfo", "the host's uptime and load for the sandbox's sysinfo()"),
            r("getpid", "its own pid"),
            r("gettid", "its own tid"),
            r("exit", "thread exit"),
            r("exit_group", "exit once the program's PID 1 has exited"),
            // Inet sockets (Sentry/FS/InetSocket.swift): host sockets in the Sentry's own network
            // namespace, made only as AF_INET/AF_INET6 x TCP/UDP, non-blocking and close-on-exec.
        ] + inetSocketRules + [
            // Its /proc (its own PID namespace): /proc/<tid>/status of its tasks. openat cannot
            // compare path strings; the root holds nothing but this /proc, and only read-only,
            // close-on-exec opens without O_CREAT/O_PATH tricks are admitted.
            r("openat", "read-only opens below its private /proc (its root is an empty tmpfs)",
              [.masked(arg: 2, mask: ~UInt64(0o200000 /* O_DIRECTORY */ | 0o400000 /* O_NOFOLLOW */ | 0o4000 /* O_NONBLOCK */), value: O_CLOEXEC)]),
        ]
    }())

    /// The host calls of inet sockets: socket() only for AF_INET/AF_INET6 x SOCK_STREAM/SOCK_DGRAM
    /// (with SOCK_NONBLOCK|SOCK_CLOEXEC, protocol 0), accept4 only non-blocking and close-on-exec,
    /// setsockopt/getsockopt only for the (level, option) pairs of `InetHostCalls`, ioctl only
    /// FIONREAD, SIOCOUTQ and SIOCATMARK. bind, listen, connect, getsockname, getpeername and
    /// shutdown act on a socket it holds (they cannot name another): its own host sockets, the
    /// Gofer socket pair and the fd-installation socket.
    static let inetSocketRules: [HostSyscallRule] = {
        func nr(_ name: String) -> Int32 { Int32(syscallNumber(named: name)!) }
        var rules: [HostSyscallRule] = []
        for family in [Socket.AF_INET, Socket.AF_INET6] {
            for type in [Socket.SOCK_STREAM, Socket.SOCK_DGRAM] {
                rules.append(HostSyscallRule("socket", nr("socket"), "inet sockets it serves: AF_INET/AF_INET6, TCP/UDP, non-blocking, close-on-exec",
                    checks: [.equal(arg: 0, value: UInt64(family)), .equal(arg: 1, value: UInt64(type | InetHostCalls.typeFlags)),
                             .equal(arg: 2, value: 0)]))
            }
        }
        rules.append(HostSyscallRule("socket", nr("socket"), "rtnetlink sockets it relays read requests to (getifaddrs, ip addr): AF_NETLINK, NETLINK_ROUTE only",
            checks: [.equal(arg: 0, value: UInt64(Socket.AF_NETLINK)), .equal(arg: 1, value: UInt64(Socket.SOCK_RAW | InetHostCalls.typeFlags)),
                     .equal(arg: 2, value: 0 /* NETLINK_ROUTE */)]))
        rules.append(HostSyscallRule("accept4", nr("accept4"), "connections on an inet listener it holds (non-blocking, close-on-exec)",
            checks: [.equal(arg: 3, value: UInt64(InetHostCalls.typeFlags))]))
        for name in ["bind", "listen", "connect", "getsockname", "getpeername", "shutdown"] {
            rules.append(HostSyscallRule(name, nr(name), "the program's \(name) on an inet socket it holds"))
        }
        func level(_ l: Int32) -> UInt64 { UInt64(UInt32(bitPattern: l)) }
        for o in InetHostCalls.options {
            rules.append(HostSyscallRule("setsockopt", nr("setsockopt"), "the allowed SOL_SOCKET, IPPROTO_TCP/UDP/IP/IPV6 options (InetHostCalls.options)",
                checks: [.equal(arg: 1, value: level(o.level)), .equal(arg: 2, value: level(o.name))]))
        }
        for o in InetHostCalls.options + InetHostCalls.readOnlyOptions {
            rules.append(HostSyscallRule("getsockopt", nr("getsockopt"), "the same options, and TCP_CONGESTION read-only",
                checks: [.equal(arg: 1, value: level(o.level)), .equal(arg: 2, value: level(o.name))]))
        }
        for request in InetHostCalls.ioctls {
            rules.append(HostSyscallRule("ioctl", nr("ioctl"), "FIONREAD, SIOCOUTQ, SIOCATMARK of an inet socket",
                checks: [.equal(arg: 1, value: UInt64(request))]))
        }
        for request in InetHostCalls.interfaceQueries {
            rules.append(HostSyscallRule("ioctl", nr("ioctl"), "the SIOCGIF* interface queries (names, flags, addresses, MTU, index) of its namespace",
                checks: [.equal(arg: 1, value: UInt64(request))]))
        }
        return rules
    }()

    /// Capabilities kept after lockdown when the tasks run under another host uid
    /// (`TaskHostIdentity`): CAP_KILL to signal them and CAP_SYS_PTRACE for process_vm_* and
    /// kcmp on them. Its PID namespace holds only itself and its tasks, so neither reaches
    /// further. A rootless Sentry shares its one uid with its tasks and keeps nothing.
    public static let keptCapabilitiesOverOtherUID: UInt64 = 1 << 5 /* CAP_KILL */ | 1 << 19 /* CAP_SYS_PTRACE */

    /// Compiled once at start-up, before the first task exists (compiling allocates and uses
    /// memfd_create/lseek, which stay allowed, but a failure should end the sandbox early).
    nonisolated(unsafe) static var program: [UInt8] = []

    /// The build's compile of `filter` (PrecompiledFilters), or a compile now.
    public static func prepare() throws(Errno) {
        if let p = PrecompiledFilters.sentry { program = p } else { program = try filter.compile() }
    }

    /// The second filter: kcmp only with pid1 == `pid` (the Sentry's own), every other call
    /// allowed (the main filter decides those; stacked filters take the strictest answer).
    /// A refusal traps as the main filter's do (SIGSYS, logged, EPERM).
    public static func ownPidProgram(_ pid: pid_t) -> [UInt8] {
        let insn = BPF.instruction, ldAbs = BPF.ldAbsW, jeq = BPF.jeqK, ret = BPF.retK
        let kcmp = UInt32(syscallNumber(named: "kcmp")!)
        return insn(ldAbs, 0, 0, 0)                           // 0: A = nr
            + insn(jeq, 0, 5, kcmp)                           // 1: kcmp? 2 : 7
            + insn(ldAbs, 0, 0, 16)                           // 2: A = args[0] (low word)
            + insn(jeq, 0, 2, UInt32(bitPattern: pid))        // 3: ours? 4 : 6
            + insn(ldAbs, 0, 0, 20)                           // 4: A = args[0] (high word)
            + insn(jeq, 1, 0, 0)                              // 5: zero? 7 : 6
            + insn(ret, 0, 0, chusk_scmp_act_trap())          // 6: trap
            + insn(ret, 0, 0, chusk_scmp_act_allow())         // 7: allow
    }

    /// SentryConfig.lockdown: not dumpable (no task can open its /proc files or trace it, even
    /// under the same uid), capabilities and the bounding set down to what its tasks' identity
    /// needs, then the filter.
    /// With `--network host` (`bindLowPorts`) it also keeps CAP_NET_BIND_SERVICE, so that the
    /// sandbox's root binds ports below 1024 of the host's namespace (the Sentry checks the
    /// task's own capability first, SysInet.bind).
    public static func lockdown(tasksUnderOwnIdentity: Bool, bindLowPorts: Bool = false) -> Errno? {
        do throws(Errno) {
            if program.isEmpty { try prepare() }
            let d = chusk_confine_not_dumpable(); if d < 0 { throw Errno(rawValue: -d) }
            try Capability.restrict(to: (tasksUnderOwnIdentity ? keptCapabilitiesOverOtherUID : 0) | (bindLowPorts ? 1 << 10 /* CAP_NET_BIND_SERVICE */ : 0))
            try HostFilter.load([ownPidProgram(getpid()), program], who: "sentry")
        } catch { return error }
        return nil
    }
}
