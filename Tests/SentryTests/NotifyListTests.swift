// The rows the unotify platform serves from seccomp user notifications (docs/platforms.md):
// their handlers may use only the task's memory and the Sentry's state. A row is marked
// `notify: true` only after its handler, and every file type it reaches, was checked for
// injections, installed fds, registers and native completions; this list is where that check
// is recorded, so that marking a row without it fails here.

import LinuxABI
import Platform
@testable import Sentry
import Testing

@Suite struct NotifyListTests {
    /// Handlers known to be memory-only (reviewed: no Task.inject, installFD, mapHostFile,
    /// scratchAddress, .native/.nativeWith/.handled, or register access on any path).
    static let memoryOnly: Set<String> = [
        "read", "write", "pread64", "pwrite64", "readv", "writev", "lseek",
        "open", "openat", "close", "fcntl",
        "stat", "fstat", "lstat", "newfstatat", "statx",
        "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "getdents", "getdents64",
        "getuid", "geteuid", "getgid", "getegid",
    ]

    /// Handlers that need a stopped task: never on the list.
    static let needStoppedTask: Set<String> = [
        "mmap", "mprotect", "munmap", "mremap", "madvise", "brk", "clone", "execve", "execveat", "exit", "exit_group",
        "rt_sigreturn", "rt_sigsuspend", "ppoll", "pselect6", "epoll_pwait", "shmat", "shmdt", "mq_timedsend",
        "ptrace", "wait4", "waitid", "pidfd_getfd", "process_vm_readv", "process_vm_writev", "sched_setattr",
    ]

    @Test("the rows marked notify are exactly the reviewed memory-only handlers")
    func listMatches() {
        let marked = Set(SyscallTable.entries.filter(\.notify).map(\.name))
        #expect(marked == Self.memoryOnly, "marked but not reviewed: \(marked.subtracting(Self.memoryOnly).sorted()); reviewed but not marked: \(Self.memoryOnly.subtracting(marked).sorted())")
        #expect(marked.isDisjoint(with: Self.needStoppedTask))
    }

    @Test("a notified row is served, has no filter rules and restarts as ERESTARTSYS")
    func rowShape() {
        for e in SyscallTable.entries where e.notify {
            guard case .serve = e.handling else { Issue.record("\(e.name) is not served"); continue }
            #expect(e.filter.isEmpty, "\(e.name) has filter rules")
            #expect(e.restart == .restartSys, "\(e.name) restarts as \(e.restart)")
        }
    }

    @Test("the application filter notifies exactly the marked rows, only when compiled for unotify")
    func filterVerdicts() {
        let filter = SyscallTable.applicationFilter
        let zero: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        for e in SyscallTable.entries {
            let plain = filter.verdict(nr: e.number, args: zero)
            let notifying = filter.verdict(nr: e.number, args: zero, userNotify: true)
            #expect(plain != .notify)
            if e.notify { #expect(notifying == .notify, "\(e.name)") } else { #expect(notifying == plain, "\(e.name)") }
        }
    }
}
