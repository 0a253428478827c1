import CHusk
import Glibc
import LinuxABI
import Testing
@testable import Sandbox

/// Runs one syscall in a forked child under the compiled filter: its result (-errno on failure).
func probe(_ filter: HostFilter, _ name: String, _ a0: Int = 0, _ a1: Int = 0, _ a2: Int = 0) throws -> Int {
    let program = try filter.compile()
    let nr = syscallNumber(named: name)!
    return program.withUnsafeBytes { p in
        Int(chusk_confine_probe(p.baseAddress, Int32(p.count / 8), "probe", nr, a0, a1, a2))
    }
}

func address(_ s: StaticString) -> Int { Int(bitPattern: UnsafeRawPointer(s.utf8Start)) }

@Suite("host seccomp filters of the Sentry and the Gofer")
struct ConfinementTests {
    let sentry = SentryConfinement.filter
    let O_RDONLY_CLOEXEC: UInt64 = 0o2000000

    @Test("every rule names a known syscall and each filter compiles")
    func tablesCompile() throws {
        for f in [sentry, GoferConfinement.filter(writable: false), GoferConfinement.filter(writable: true)] {
            for r in f.rules { #expect(syscallName(Int(r.nr)) == r.name, "\(f.part): \(r.name)") }
            #expect(!(try f.compile()).isEmpty)
        }
        #expect(GoferConfinement.filter(writable: false).allowedSyscalls.count < GoferConfinement.filter(writable: true).allowedSyscalls.count)
    }

    @Test("the Sentry's table: no exec, inet sockets only, no mount, openat read-only, kill pid > 0")
    func sentryVerdicts() {
        func nr(_ n: String) -> Int32 { Int32(syscallNumber(named: n)!) }
        // socket: AF_INET/AF_INET6 x TCP/UDP, non-blocking and close-on-exec, protocol 0 only.
        let flags = UInt64(0o4000 | 0o2000000)
        #expect(sentry.allows(nr: nr("socket"), args: [2, 1 | flags, 0]))
        #expect(sentry.allows(nr: nr("socket"), args: [10, 2 | flags, 0]))
        #expect(!sentry.allows(nr: nr("socket"), args: [2, 1, 0]), "a blocking socket")
        #expect(!sentry.allows(nr: nr("socket"), args: [2, 3 | flags, 0]), "SOCK_RAW")
        #expect(!sentry.allows(nr: nr("socket"), args: [1, 1 | flags, 0]), "AF_UNIX")
        #expect(sentry.allows(nr: nr("socket"), args: [16, 3 | flags, 0]), "AF_NETLINK NETLINK_ROUTE")
        #expect(!sentry.allows(nr: nr("socket"), args: [16, 3 | flags, 9]), "NETLINK_AUDIT")
        #expect(!sentry.allows(nr: nr("socket"), args: [16, 3 | flags, 12]), "NETLINK_NETFILTER")
        #expect(!sentry.allows(nr: nr("socket"), args: [17, 3 | flags, 0]), "AF_PACKET")
        #expect(!sentry.allows(nr: nr("socket"), args: [2, 1 | flags, 132]), "another protocol")
        #expect(!sentry.allows(nr: nr("accept4"), args: [3, 0, 0, 0]), "accept4 of a blocking socket")
        #expect(sentry.allows(nr: nr("setsockopt"), args: [3, 6, 1 /* TCP_NODELAY */, 0, 4]))
        #expect(!sentry.allows(nr: nr("setsockopt"), args: [3, 1, 26 /* SO_ATTACH_FILTER */, 0, 16]), "BPF")
        #expect(!sentry.allows(nr: nr("setsockopt"), args: [3, 1, 50 /* SO_ATTACH_BPF */, 0, 4]), "BPF")
        #expect(!sentry.allows(nr: nr("setsockopt"), args: [3, 1, 25 /* SO_BINDTODEVICE */, 0, 4]))
        #expect(!sentry.allows(nr: nr("setsockopt"), args: [3, 6, 13 /* TCP_CONGESTION */, 0, 4]), "may load a module")
        #expect(sentry.allows(nr: nr("ioctl"), args: [3, 0x541B /* FIONREAD */, 0]))
        #expect(!sentry.allows(nr: nr("ioctl"), args: [3, 0x8914 /* SIOCSIFFLAGS */, 0]), "no interface changes")
        #expect(!sentry.allows(nr: nr("ioctl"), args: [3, 0x5412 /* TIOCSTI */, 0]))
        for banned in ["execve", "execveat", "sendto", "recvfrom", "socketpair", "mount", "umount2", "pivot_root", "chroot",
                       "unshare", "setns", "clone3", "fork", "vfork", "init_module", "bpf", "perf_event_open",
                       "io_uring_setup", "keyctl", "open_by_handle_at", "ptrace_dummy_not_a_call"] {
            guard let n = syscallNumber(named: banned) else { continue }
            #expect(!sentry.allows(nr: Int32(n), args: [0, 0, 0, 0, 0, 0]), "\(banned) must be refused")
        }
        #expect(sentry.allows(nr: nr("openat"), args: [UInt64(bitPattern: -100), 0, O_RDONLY_CLOEXEC]))
        #expect(!sentry.allows(nr: nr("openat"), args: [UInt64(bitPattern: -100), 0, O_RDONLY_CLOEXEC | 1]), "O_WRONLY")
        #expect(!sentry.allows(nr: nr("openat"), args: [UInt64(bitPattern: -100), 0, O_RDONLY_CLOEXEC | 0o100]), "O_CREAT")
        #expect(!sentry.allows(nr: nr("openat"), args: [UInt64(bitPattern: -100), 0, O_RDONLY_CLOEXEC | 0o10000000]), "O_PATH")
        #expect(!sentry.allows(nr: nr("openat"), args: [UInt64(bitPattern: -100), 0, 0]), "without O_CLOEXEC")
        #expect(sentry.allows(nr: nr("kill"), args: [42, 15]))
        #expect(!sentry.allows(nr: nr("kill"), args: [UInt64(bitPattern: -1), 9]), "kill(-1)")
        #expect(!sentry.allows(nr: nr("kill"), args: [UInt64(bitPattern: -42), 9]), "kill(-pgid)")
        #expect(sentry.allows(nr: nr("ptrace"), args: []))
        #expect(SentryConfinement.keptCapabilitiesOverOtherUID == 1 << 5 | 1 << 19, "CAP_KILL and CAP_SYS_PTRACE only")
        // kcmp's pid1 is checked by the second filter (OwnPidFilterTests).
        #expect(sentry.allows(nr: nr("kcmp"), args: [UInt64(getpid()), 42, 0, 3, 4]))
        #expect(!sentry.allows(nr: nr("kcmp"), args: [UInt64(getpid()), 42, 1 /* KCMP_VM */, 0, 0]), "kcmp of another kind")
    }

    @Test("the compiled Sentry filter refuses with EPERM and lets allowed calls run")
    func sentryProgram() throws {
        #expect(try probe(sentry, "getpid") > 0)
        #expect(try probe(sentry, "socket", Int(AF_INET), Int(SOCK_STREAM.rawValue), 0) == -Int(EPERM), "blocking")
        #expect(try probe(sentry, "socket", Int(AF_INET), Int(SOCK_RAW.rawValue) | 0o4000 | 0o2000000, 0) == -Int(EPERM))
        #expect(try probe(sentry, "socket", Int(AF_UNIX), Int(SOCK_STREAM.rawValue), 0) == -Int(EPERM))
        #expect(try probe(sentry, "execve", address("/bin/true"), 0, 0) == -Int(EPERM))
        #expect(try probe(sentry, "openat", -100, address("/proc/self/status"), Int(O_RDONLY_CLOEXEC)) >= 0)
        #expect(try probe(sentry, "openat", -100, address("/tmp/husk-confine-probe"), Int(O_RDONLY_CLOEXEC) | Int(O_WRONLY | O_CREAT)) == -Int(EPERM))
        #expect(access("/tmp/husk-confine-probe", F_OK) != 0, "the refused open created nothing")
        #expect(try probe(sentry, "kill", -1, 0, 0) == -Int(EPERM))
        #expect(try probe(sentry, "kill", 0, 0, 0) == 0, "kill(0, 0): own process group only")
        #expect(try probe(sentry, "mount", address("none"), address("/mnt"), address("tmpfs")) == -Int(EPERM))
        #expect(try probe(sentry, "unshare", 0x1000_0000, 0, 0) == -Int(EPERM))
    }

    @Test("the Gofer's filter: file calls only; writing calls only with a writable view")
    func goferProgram() throws {
        let ro = GoferConfinement.filter(writable: false), rw = GoferConfinement.filter(writable: true)
        #expect(try probe(ro, "socket", Int(AF_INET), Int(SOCK_STREAM.rawValue), 0) == -Int(EPERM))
        #expect(try probe(ro, "execve", address("/bin/true"), 0, 0) == -Int(EPERM))
        #expect(try probe(ro, "mkdirat", -100, address("/tmp/husk-confine-probe-dir"), 0o700) == -Int(EPERM))
        #expect(try probe(ro, "openat", -100, address("/"), Int(O_RDONLY | O_DIRECTORY)) >= 0)
        let made = try probe(rw, "mkdirat", -100, address("/tmp/husk-confine-probe-dir"), 0o700)
        rmdir("/tmp/husk-confine-probe-dir")
        #expect(made == 0)
        #expect(try probe(rw, "mount", address("none"), address("/mnt"), address("tmpfs")) == -Int(EPERM))
        #expect(try probe(ro, "prlimit64", 1, 0, 0) == -Int(EPERM), "prlimit64 of another process")
        #expect(GoferConfinement.keptCapabilities(writable: false) == Capability.dacReadSearch)
    }

    @Test("docs/security.md lists exactly the allowed syscalls with their reasons")
    func documented() throws {
        let root = String(#filePath.utf8.split(separator: UInt8(ascii: "/")).dropLast(3).map { "/" + String(decoding: $0, as: UTF8.self) }.joined())
        let doc = try HostFS.read(root + "/docs/security.md")
        for (title, f) in [("sentry", sentry), ("gofer, read-only view", GoferConfinement.filter(writable: false)),
                           ("gofer, writable view (added)", HostFilter(part: "gofer-rw", rules: GoferConfinement.writing)),
                           ("gofer, --host-uds open (added)", HostFilter(part: "gofer-uds", rules: GoferConfinement.hostUDS))] {
            let table = f.markdownTable
            if !doc.contains(table) { try? HostFS.create("/tmp/husk-security-\(f.part).md", table) }
            #expect(doc.contains(table), "docs/security.md lacks the current \(title) table (written to /tmp/husk-security-\(f.part).md)")
        }
    }
}
