// The Gofer's host attack surface: the host syscalls its seccomp filter admits once its root
// view is built and it is pivoted into it, and the capabilities it keeps for file serving.
// It has no network (own network namespace, and no socket() here), no mount, no exec.

import CHusk
import Glibc
import LinuxABI
import SystemPackage

public enum GoferConfinement {
    static func r(_ name: String, _ reason: String, _ checks: [HostSyscallRule.Check] = []) -> HostSyscallRule {
        guard let nr = syscallNumber(named: name) else { fatalError("unknown syscall \(name)") }
        return HostSyscallRule(name, Int32(nr), reason, checks: checks)
    }

    /// What every Gofer needs: walking, reading and statting the view, the protocol, the runtime.
    static let common: [HostSyscallRule] = [
        r("openat", "walks one name at a time below a node fd (O_PATH|O_NOFOLLOW), reopens files for the Sentry; its root is the view"),
        r("openat2", "same, with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS as a second lock"),
        r("close", "releases node fds"),
        r("fstat", "stat of a node"),
        r("newfstatat", "stat of a node (AT_EMPTY_PATH) or a name below it (AT_SYMLINK_NOFOLLOW)"),
        r("statx", "same (glibc)"),
        r("getdents64", "directory listings"),
        r("lseek", "rewinds a directory fd before a listing"),
        r("readlinkat", "symlink targets (AT_EMPTY_PATH on an O_PATH fd)"),
        r("fstatfs", "statfs of the view"),
        r("fcntl", "F_GETFL/F_SETFL: O_NONBLOCK of files it opens", [.equal(arg: 1, value: UInt64(F_GETFL))]),
        r("fcntl", "F_GETFL/F_SETFL: O_NONBLOCK of files it opens", [.equal(arg: 1, value: UInt64(F_SETFL))]),
        r("fcntl", "F_DUPFD_CLOEXEC: copies of a file volume's fds, opened before confinement (a file has no parent to reopen it below)",
          [.equal(arg: 1, value: UInt64(F_DUPFD_CLOEXEC))]),
        r("recvmsg", "Gofer protocol requests"),
        r("sendmsg", "replies, with donated fds as SCM_RIGHTS"),
        r("recvfrom", "recv() of a request"),
        r("sendto", "send() of a reply"),
        r("poll", "notices a hung-up Sentry"),
        r("read", "reads of pipes and files (glibc helpers)"),
        r("write", "its log on fd 2 and the ready byte"),
        r("umask", "modes come from the Sentry (umask 0)"),
        r("prlimit64", "raises its own RLIMIT_NOFILE soft limit to the hard one (pid 0 only)", [.equal(arg: 0, value: 0)]),
        r("mmap", "its own memory"),
        r("munmap", "same"),
        r("mprotect", "same"),
        r("mremap", "same"),
        r("madvise", "same"),
        r("brk", "the heap"),
        r("futex", "the Swift runtime's locks"),
        r("sched_yield", "the Swift runtime"),
        r("getrandom", "the Swift runtime's hashing seed"),
        r("clock_gettime", "time"),
        r("rt_sigprocmask", "signal mask"),
        r("rt_sigaction", "SIGPIPE ignored, the SIGSYS logger"),
        r("rt_sigreturn", "returns from its SIGSYS handler"),
        r("sigaltstack", "the Swift runtime's signal stack"),
        r("getpid", "its own pid"),
        r("gettid", "its own tid"),
        r("exit", "thread exit"),
        r("exit_group", "exit once the Sentry closed the socket"),
    ]

    /// Added when a part of the view is writable (read-write volumes).
    static let writing: [HostSyscallRule] = [
        r("mkdirat", "mkdir below a node"),
        r("mknodat", "mkfifo below a node (regular files and FIFOs only)"),
        r("symlinkat", "symlink below a node"),
        r("linkat", "hard links between nodes (AT_EMPTY_PATH)"),
        r("unlinkat", "unlink/rmdir below a node"),
        r("renameat2", "rename between nodes (RENAME_NOREPLACE/EXCHANGE)"),
        r("fchmodat", "chmod of a node"),
        r("fchmodat2", "chmod of an O_PATH node (AT_EMPTY_PATH)"),
        r("fchmod", "chmod of an open file"),
        r("fchownat", "owner of a node it made or is asked to change"),
        r("fchown", "same, on an open file"),
        r("utimensat", "times of a node"),
        r("ftruncate", "O_TRUNC and truncate of a file"),
        r("fsync", "fsync of a node"),
        r("fdatasync", "same"),
    ]

    /// Added with `--host-uds open`: connecting to host unix sockets in volumes for the Sentry.
    /// socket() only as AF_UNIX of the three types, non-blocking and close-on-exec, protocol 0:
    /// the Gofer has no other socket than these and its connected Sentry socket, so connect
    /// (whose address seccomp cannot read) can only reach a unix socket; its network namespace is
    /// empty anyway.
    static let hostUDS: [HostSyscallRule] = {
        let flags = UInt64(SOCK_NONBLOCK.rawValue) | UInt64(SOCK_CLOEXEC.rawValue)
        let socketRules = [UInt64(1), 2, 5].map { type in
            r("socket", "a unix socket (AF_UNIX; SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET; non-blocking, close-on-exec) to connect to a volume's host socket",
              [.equal(arg: 0, value: UInt64(AF_UNIX)), .equal(arg: 1, value: type | flags), .equal(arg: 2, value: 0)])
        }
        return socketRules + [
            r("connect", "connects that socket to the socket file's name below its parent directory"),
            r("fchdir", "moves into the socket file's parent directory (connect takes a path, no fd)"),
        ]
    }()

    public static func filter(writable: Bool, hostUDS: Bool = false) -> HostFilter {
        HostFilter(part: "gofer", rules: common + (writable ? writing : []) + (hostUDS ? GoferConfinement.hostUDS : []))
    }

    /// Capabilities kept for file serving. Reading the view as the sandbox's root needs
    /// CAP_DAC_READ_SEARCH (files and directories of other users); writing needs
    /// CAP_DAC_OVERRIDE (write to others' files), CAP_FOWNER (chmod, utimes of others' files),
    /// CAP_CHOWN (new nodes get the task's owner) and CAP_FSETID (chmod keeps set-group-ID).
    /// Everything else goes, the bounding set included.
    public static func keptCapabilities(writable: Bool) -> UInt64 {
        writable ? Capability.dacReadSearch | Capability.dacOverride | Capability.fowner | Capability.chown | Capability.fsetid
                 : Capability.dacReadSearch
    }

    /// Not dumpable (no task could trace it or open its /proc files even under its uid), drops
    /// capabilities and loads the filter; called by `husk gofer` once it is in its root.
    public static func lockdown(writable: Bool, hostUDS: Bool = false) throws(HuskError) {
        let d = chusk_confine_not_dumpable()
        if d < 0 { throw HuskError("gofer dumpable flag", Errno(rawValue: -d)) }
        let program: [UInt8]
        do throws(Errno) {
            if let p = PrecompiledFilters.gofer(writable: writable, hostUDS: hostUDS) { program = p } else {
                program = try filter(writable: writable, hostUDS: hostUDS).compile()
            }
        } catch { throw HuskError("gofer seccomp filter", error) }
        do throws(Errno) { try Capability.restrict(to: keptCapabilities(writable: writable)) } catch { throw HuskError("gofer capabilities", error) }
        do throws(Errno) { try HostFilter.load(program, who: "gofer") } catch { throw HuskError("gofer seccomp filter", error) }
    }
}
