import Foundation
import LinuxABI
import Platform
@testable import Sentry
import Testing

@Suite struct SyscallTableTests {
    static let zero: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

    @Test("every x86_64 syscall appears once, in order, with the kernel's name")
    func everyNumberOnce() {
        let numbers = SyscallTable.entries.map(\.number)
        #expect(numbers == Array(0...334) + Array(424...469))
        for e in SyscallTable.entries {
            #expect(syscallName(e.number) == e.name, "row \(e.number)")
        }
        #expect(SyscallTable.entry(335) == nil && SyscallTable.entry(-1) == nil && SyscallTable.entry(600) == nil)
        #expect(SyscallTable.name(400) == "syscall_400")
    }

    @Test("docs/syscalls.md is what `husk syscalls` prints")
    func docsAreCurrent() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: repo.appendingPathComponent("docs/syscalls.md"), encoding: .utf8)
        let current = SyscallTable.markdown
        if doc != current { try? current.write(toFile: "/tmp/husk-syscalls.md", atomically: true, encoding: .utf8) }
        #expect(doc == current, "docs/syscalls.md is stale: run `.build/debug/husk syscalls > docs/syscalls.md` (the current text is in /tmp/husk-syscalls.md)")
    }

    @Test("--json lists every row with its level and handling")
    func json() throws {
        let rows = try #require(JSONSerialization.jsonObject(with: Data(SyscallTable.json.utf8)) as? [[String: Any]])
        #expect(rows.count == SyscallTable.entries.count)
        let mmap = try #require(rows.first { $0["name"] as? String == "mmap" })
        #expect(mmap["nr"] as? Int == SyscallNumber.mmap)
        #expect((mmap["host"] as? [Any])?.count == 3)
        let syslog = try #require(rows.first { $0["name"] as? String == "syslog" })
        #expect(syslog["level"] as? String == "none" && syslog["handled"] as? String == "ENOSYS")
        let mqOpen = try #require(rows.first { $0["name"] as? String == "mq_open" })
        #expect(mqOpen["level"] as? String == "partial" && mqOpen["handled"] as? String == "Sentry")
    }

    @Test("the levels add up and every partial or missing call says why")
    func levels() {
        let c = SyscallTable.levelCounts
        #expect(c.full + c.partial + c.none == SyscallTable.entries.count)
        for e in SyscallTable.entries {
            switch e.support {
            case .full: break
            case .partial(let note), .none(let note): #expect(!note.isEmpty, "\(e.name) has no note")
            }
            if case .unimplemented = e.handling, e.filter.isEmpty { #expect(e.support.name == "none", "\(e.name)") }
            #expect((e.args?.count ?? 0) <= 6)
        }
    }

    @Test("a native call never stops; a served one without rules always does")
    func filterFollowsTheTable() {
        let filter = SyscallTable.applicationFilter
        let samples: [(UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)] = [
            Self.zero, (0x7f00_0000_0000, 0x1000, 3, 0x22, UInt64.max, 0), (StubELF.guardStart, 0x1000, 7, 0x32, 0, 0),
        ]
        for e in SyscallTable.entries {
            for args in samples {
                let v = filter.verdict(nr: e.number, args: args)
                switch e.handling {
                case .native: #expect(v == .allow, "\(e.name)")
                case .refuse(let err, _): #expect(v == .errno(err.rawValue), "\(e.name)")
                case .serve, .unimplemented: if e.filter.isEmpty { #expect(v == .trace, "\(e.name)") }
                }
            }
        }
        // The calls that used to stop only to be sent back now never stop.
        for nr in [SyscallNumber.sched_getaffinity, SyscallNumber.getrusage, SyscallNumber.pause, SyscallNumber.rt_sigsuspend, SyscallNumber.fork] {
            #expect(filter.verdict(nr: nr, args: Self.zero) == .allow)
            #expect(SyscallTable.handler(nr) == nil)
        }
        #expect(filter.verdict(nr: SyscallNumber.clone3, args: Self.zero) == .errno(ENOSYS))
        #expect(filter.verdict(nr: SyscallNumber.openat, args: Self.zero) == .trace)
    }

    @Test("restart classes follow Linux's -ERESTART codes")
    func restart() {
        let noHandler = SyscallTable.entries.filter { $0.restart == .restartNoHandler }.map(\.name).sorted()
        #expect(noHandler == ["clock_nanosleep", "epoll_pwait", "epoll_pwait2", "epoll_wait", "io_getevents", "msgrcv", "msgsnd",
                              "nanosleep", "poll", "ppoll", "pselect6", "select"])
        // semop and semtimedop return -EINTR itself (ipc/sem.c): EINTR after a stop too; so does
        // rt_sigtimedwait (kernel/signal.c; signal(7) lists sigtimedwait among them).
        #expect(SyscallTable.entries.filter { $0.restart == .noRestart }.map(\.name).sorted() == ["pause", "rt_sigsuspend", "rt_sigtimedwait", "semop", "semtimedop"])
        #expect(SyscallTable.restartClass(SyscallNumber.read) == .restartSys)
        // After a handler: only ERESTARTSYS under SA_RESTART. After a stop: all but pause/sigsuspend.
        #expect(RestartClass.restartSys.restarts(handlerRuns: true, saRestart: true, stopped: false))
        #expect(!RestartClass.restartSys.restarts(handlerRuns: true, saRestart: false, stopped: false))
        #expect(!RestartClass.restartNoHandler.restarts(handlerRuns: true, saRestart: true, stopped: false))
        #expect(RestartClass.restartNoHandler.restarts(handlerRuns: false, saRestart: false, stopped: true))
        #expect(!RestartClass.noRestart.restarts(handlerRuns: false, saRestart: false, stopped: true))
        #expect(!RestartClass.restartSys.restarts(handlerRuns: false, saRestart: true, stopped: false))
    }

    @Test("--strace's argument formats come from the table")
    func straceFormats() {
        #expect(SyscallTable.entry(SyscallNumber.openat)?.args == [.fd, .path, .openFlags, .hex])
        #expect(SyscallTable.entry(SyscallNumber.getpid)?.args == [])
    }
}
