// The escape suite: a hostile program (Fixtures/escape.c, compiled at test time into
// /usr/local/libexec/husk-escape, which the default root view shows) tries to get out; every
// case prints "held <case>: <what happened>". The host side is checked here too.
import Foundation
import Glibc
import Testing

enum EscapeFixture {
    /// $HUSK_ESCAPE_DIR lets checkouts tested side by side keep their own copy.
    static let dir = ProcessInfo.processInfo.environment["HUSK_ESCAPE_DIR"] ?? "/usr/local/libexec/husk-escape"
    static let binary = dir + "/escape"
    /// Compiles the fixture once per test process.
    static let built = compile("escape")
    static func require() throws -> String { try built.get() }

    /// Compiles Fixtures/NAME.c into `dir` (which the sandbox's root view shows) and returns the
    /// installed path.
    static func compile(_ name: String) -> Result<String, SpawnError> {
        let source = Husk.packageRoot + "/Tests/IntegrationTests/Fixtures/\(name).c"
        let binary = dir + "/" + name
        _ = mkdir(dir, 0o755)
        guard let r = try? run(["/usr/bin/gcc", "-O1", "-Wall", "-pthread", "-o", binary + ".new", source]), r.status == 0 else {
            return .failure(SpawnError(description: "gcc \(name).c failed (needs gcc and root for \(dir))"))
        }
        guard rename(binary + ".new", binary) == 0 else { return .failure(SpawnError(description: "install \(binary)")) }
        return .success(binary)
    }
}

/// A host TCP listener on 127.0.0.1 (an ephemeral port).
struct HostListener {
    let fd: Int32
    let port: Int
    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { s in
                bind(fd, s, len) == 0 && listen(fd, 4) == 0 && getsockname(fd, s, &len) == 0
            }
        }
        guard ok else { throw SpawnError(description: "host listener: \(String(cString: strerror(errno)))") }
        port = Int(UInt16(bigEndian: a.sin_port))
    }
    func close() { _ = Glibc.close(fd) }
}

@Suite("Escape suite", .serialized)
struct EscapeSuiteTests {
    @Test("a hostile program: host files, secrets, /proc, signals, ptrace, network, forbidden syscalls, fds, path race, devices, chroot")
    func hostileProgram() throws {
        let escape = try EscapeFixture.require()
        let marker = "husk-escape-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        let sleeper = try Spawned(["/bin/bash", "-c", "exec -a \(marker)-sleeper /bin/sleep 60"], env: Husk.defaultEnvironment)
        defer { kill(sleeper.pid, SIGKILL); _ = sleeper.wait(timeout: 5) }
        let listener = try HostListener()
        defer { listener.close() }
        let hostFile = "/\(marker)-hostfile"
        FileManager.default.createFile(atPath: hostFile, contents: Data("secret".utf8))
        defer { unlink(hostFile) }
        usleep(100_000)   // the sleeper has exec'd

        let r = try Husk.run([escape, "all", String(sleeper.pid), String(listener.port), marker], timeout: 120)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for c in ["write-root", "write-dotdot-symlink", "secrets", "proc", "ptrace", "network", "forbidden", "fds",
                  "race", "devices", "signals", "chroot"] {
            let line = lines.first { $0.hasPrefix("held \(c):") || $0.hasPrefix("BROKEN \(c):") }
            #expect(line?.hasPrefix("held ") == true, "\(c): \(line ?? "no report")\n\(r)")
        }
        #expect(!lines.contains { $0.hasPrefix("BROKEN") }, "\(r)")
        #expect(lines.last == "0 broken" && r.status == 0, "\(r)")
        // The host side of what held.
        for suffix in ["root", "dotdot", "symlink"] {
            #expect(access("/etc/\(marker)-\(suffix)", F_OK) != 0, "no host file /etc/\(marker)-\(suffix)")
            unlink("/etc/\(marker)-\(suffix)")
        }
        #expect(kill(sleeper.pid, 0) == 0, "the host process survived kill(pid) and kill(-1)")
        #expect(!r.stderr.contains("refused by its seccomp filter"), "no part of husk hit its own filter:\n\(r.stderr)")
    }

    @Test("the stub: every mapping call aimed at its pages is refused (EPERM), its gadget faults on a write, and injections keep working, in fork children too")
    func stubPagesAreSealed() throws {
        let escape = try EscapeFixture.require()
        let r = try Husk.run([escape, "stub"], timeout: 60)
        #expect(r.stdout.hasPrefix("held stub: refused: mprotect(rwx) mprotect(none) munmap(code) munmap(scratch) munmap(0..512M) mprotect(below..over) mremap(move) mremap(onto) madvise(DONTFORK) madvise(DONTNEED) madvise(WIPEONFORK) mmap(anon FIXED) mmap(file FIXED) pkey_mprotect shmat(REMAP) brk(stub)"), "\(r)")
        #expect(!r.stdout.contains("BROKEN") && r.status == 0, "\(r)")
        #expect(!r.stderr.contains("killed task"), "no task was killed:\n\(r.stderr)")
    }

    @Test("the stub through /proc/self/mem, a child's /proc/PID/mem and PTRACE_POKETEXT (FOLL_FORCE writes): refused, the gadget intact, injections keep working")
    func stubThroughProcMem() throws {
        let escape = try EscapeFixture.require()
        let r = try Husk.run([escape, "stub-mem"], timeout: 60)
        #expect(r.stdout.hasPrefix("held stub-mem: refused: gadget(EIO) code page(EIO) scratch(EIO) last scratch byte(EIO) across-the-start(16 of 64) POKETEXT(EIO) child's gadget(EIO)"), "\(r)")
        #expect(!r.stdout.contains("BROKEN") && r.status == 0, "\(r)")
        #expect(!r.stderr.contains("killed task") && !r.stderr.contains("refused by its seccomp filter"), "\(r.stderr)")
    }

    @Test("a thread rewriting the scratch page during fd installations gets its task killed in one line; the Sentry goes on serving execs and file mmaps")
    func scratchRaceKillsOnlyTheRacer() throws {
        let escape = try EscapeFixture.require()
        let r = try Husk.run([escape, "scratch-race"], timeout: 120)
        #expect(r.stdout.hasPrefix("held scratch-race:") && r.status == 0, "\(r)")
        let kills = r.stderr.split(separator: "\n").filter { $0.hasPrefix("husk: sentry: killed task") }
        #expect(kills.allSatisfy { $0.hasSuffix("the fd installed for it cannot be verified (its scratch memory was rewritten)") }, "\(r.stderr)")
        #expect(kills.count <= 3, "at most one line per racing child:\n\(r.stderr)")
        #expect(!r.stderr.contains("refused by its seccomp filter"), "\(r.stderr)")
    }

    @Test("a call the program makes from the stub's gadget does not pass its own seccomp filter (a native call and a served one get the filter's errnos)")
    func ownFilterAtTheGadget() throws {
        let escape = try EscapeFixture.require()
        let r = try Husk.run([escape, "filter-gadget"], timeout: 60)
        #expect(r.stdout.hasPrefix("held filter-gadget:") && r.status == 0, "\(r)")
    }

    @Test("the program's own seccomp filters never see the Sentry's injected calls (filters on recvmsg, mmap, close, execveat, seccomp, waitid, by number or at the gadget: as native)")
    func ownFiltersAndInjections() throws {
        let escape = try EscapeFixture.require()
        let native = try run([escape, "own-filters"], timeout: 60)
        let r = try Husk.run([escape, "own-filters"], timeout: 180)
        #expect(r.stdout.hasPrefix("held own-filters:") && r.status == 0, "\(r)")
        #expect(r.stdout == native.stdout, "the children end as natively:\n\(native.stdout)\(r.stdout)")
        #expect(r.stderr.isEmpty, "no task was killed:\n\(r.stderr)")
    }

    @Test("fork bomb under --pids 64: fork fails, the host stays responsive, one-line report")
    func forkBomb() throws {
        let escape = try EscapeFixture.require()
        let start = Date()
        let r = try Husk.run([escape, "forkbomb"], options: ["--pids", "64"], timeout: 60)
        let took = Date().timeIntervalSince(start)
        #expect(r.stdout.contains("held forkbomb: fork failed after"), "\(r)")
        #expect(r.status == 0, "\(r)")
        let report = r.stderr.split(separator: "\n").filter { $0.hasPrefix("husk: pids limit of 64 reached") }
        #expect(report.count == 1, "one line on the pids limit:\n\(r.stderr)")
        let probe = Date()
        _ = try run(["/bin/true"], timeout: 10)
        #expect(Date().timeIntervalSince(probe) < 2 && took < 30, "host responsive: bomb \(took) s")
    }

    @Test("touching 512 MiB under --memory 64m: killed (137), OOM told in one line")
    func memoryBomb() throws {
        let escape = try EscapeFixture.require()
        let r = try Husk.run([escape, "memory", "512"], options: ["--memory", "64m"], timeout: 60)
        #expect(r.status == 137, "SIGKILL by the OOM killer: \(r)")
        #expect(!r.stdout.contains("BROKEN"), "\(r)")
        let report = r.stderr.split(separator: "\n").filter { $0.hasPrefix("husk: memory limit of 64 MiB reached") }
        #expect(report.count == 1, "one line on the OOM kill:\n\(r.stderr)")
    }
}
