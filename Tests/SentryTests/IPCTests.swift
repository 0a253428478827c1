// System V semaphores and message queues served over the FakePlatform: ids and keys,
// atomic multi-op semop, parking and waking, SEM_UNDO at exit, EIDRM on removal.

import LinuxABI
import Platform
@testable import Sentry
import SystemPackage
import Testing

private func err(_ e: Errno) -> Int64 { e.syscallResult }
private let IPC_CREAT: UInt64 = 0o1000, IPC_EXCL: UInt64 = 0o2000, IPC_NOWAIT: Int16 = 0o4000
private let semget = 64, semop = 65, semctl = 66, msgget = 68, msgsnd = 69, msgrcv = 70, msgctl = 71

private func sembufs(_ ops: [(UInt16, Int16, Int16)]) -> [UInt8] {
    var b = [UInt8](repeating: 0, count: 6 * ops.count)
    for (i, o) in ops.enumerated() {
        b.putLE(o.0, at: 6 * i); b.putLE(o.1, at: 6 * i + 2); b.putLE(o.2, at: 6 * i + 4)
    }
    return b
}

@Suite("SysV IPC")
struct IPCTests {
    @Test("semget: keys, IPC_EXCL, ids that do not come back at once")
    func ids() throws {
        let h = try KernelHarness()
        let a = try #require(h.value(semget, 0x1234, 2, IPC_CREAT | 0o600))
        #expect(a == 0)
        #expect(h.value(semget, 0x1234, 1, 0) == a)
        #expect(h.value(semget, 0x1234, 3, 0) == err(.invalidArgument))
        #expect(h.value(semget, 0x1234, 1, IPC_CREAT | IPC_EXCL) == err(.fileExists))
        #expect(h.value(semget, 0x9999, 1, 0) == err(.noSuchFileOrDirectory))
        #expect(h.value(semctl, UInt64(a), 0, 0) == 0)   // IPC_RMID
        let b = try #require(h.value(semget, 0x1234, 2, IPC_CREAT | 0o600))
        #expect(b == 1)
        #expect(h.value(semctl, UInt64(a), 0, 12) == err(.invalidArgument))  // the old id: GETVAL
    }

    @Test("semop: all or nothing; a parked decrement wakes on an increment; removal is EIDRM")
    func semaphores() throws {
        let h = try KernelHarness()
        let id = UInt64(try #require(h.value(semget, 0, 2, 0o600)))
        #expect(h.value(semop, id, h.bytes(sembufs([(0, 1, 0), (1, -1, IPC_NOWAIT)])), 2) == err(.resourceTemporarilyUnavailable))
        #expect(h.value(semctl, id, 0, 12) == 0)
        // A decrement parks, and GETNCNT counts it. (The child is forked first: a fork is a
        // syscall of its parent, which a parked task is not in.)
        let child = try #require(h.fork(child: 5_000_100, pid: 2))
        let before = h.platform.completionCount
        #expect(h.call(semop, id, h.bytes(sembufs([(0, -1, 0x1000)])), 1) == nil)
        #expect(h.value(semctl, id, 0, 14, on: child) == 1)
        #expect(h.value(semctl, id, 0, 16, 3, on: child) == 0)   // SETVAL 3 wakes it
        #expect(h.platform.completions(of: fakeInitTID, from: before) == [.skip(0)])
        #expect(h.value(semctl, id, 0, 12) == 2)
        // SEM_UNDO: the init process's -1 is given back when it exits... the child's exit
        // applies nothing of it.
        h.platform.queue(.exited(child.hostTID, status: 0))
        h.kernel.serveReady()
        #expect(h.value(semctl, id, 0, 12) == 2)
        // A waiter on a removed set wakes with EIDRM.
        let other = try #require(h.fork(child: 5_000_101, pid: 3))
        #expect(h.call(semop, id, h.bytes(sembufs([(1, -1, 0)])), 1) == nil)
        #expect(h.value(semctl, id, 0, 0, on: other) == 0)
        #expect(h.platform.completions(of: fakeInitTID, from: 0).last == .skip(err(.identifierRemoved)))
    }

    @Test("msgsnd and msgrcv: types, a parked receiver, MSG_NOERROR")
    func messages() throws {
        let h = try KernelHarness()
        let id = UInt64(try #require(h.value(msgget, 0, 0o600)))
        func msg(_ type: Int64, _ s: String, in task: Task? = nil) -> UInt64 {
            var b = [UInt8](repeating: 0, count: 8); b.putLE(type, at: 0)
            return h.bytes(b + Array(s.utf8), in: task)
        }
        #expect(h.value(msgsnd, id, msg(5, "five"), 4, 0) == 0)
        #expect(h.value(msgsnd, id, msg(2, "two"), 3, 0) == 0)
        let buf = h.buffer(64)
        #expect(h.value(msgrcv, id, buf, 64, UInt64(bitPattern: -3), 0) == 3)
        #expect(h.read(buf + 8, 3) == Array("two".utf8))
        #expect(h.value(msgrcv, id, buf, 2, 0, 0) == err(.argListTooLong))
        #expect(h.value(msgrcv, id, buf, 2, 0, 0o10000) == 2)   // MSG_NOERROR
        let child = try #require(h.fork(child: 5_000_200, pid: 2))
        let seven = msg(7, "seven", in: child)
        #expect(h.call(msgrcv, id, buf, 64, 7, 0) == nil)
        #expect(h.value(msgsnd, id, seven, 5, 0, on: child) == 0)
        #expect(h.platform.completions(of: fakeInitTID, from: 0).last == .skip(5))
        #expect(h.read(buf, 8) == [7, 0, 0, 0, 0, 0, 0, 0])
        #expect(h.value(msgctl, id, 0, 0) == 0)
    }

    @Test("clone(CLONE_NEWIPC): the host clones without the flag, the child gets a fresh namespace")
    func cloneNewIPC() throws {
        let h = try KernelHarness()
        let clone = 56
        let CLONE_NEWIPC: UInt64 = 0x0800_0000, CLONE_SYSVSEM: UInt64 = 0x0004_0000, SIGCHLD: UInt64 = 17
        #expect(h.value(clone, CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD) == err(.invalidArgument))
        #expect(h.call(clone, CLONE_NEWIPC | SIGCHLD) == .runNativeWithArgument(index: 0, value: SIGCHLD))
        // The host reports a clone with SIGCHLD alone as a fork.
        h.platform.addTask(5_000_400, vtid: 2, copying: fakeInitTID)
        h.platform.queue(.cloned(parent: fakeInitTID, child: 5_000_400, kind: .fork))
        h.platform.queue(.started(5_000_400))
        h.kernel.serveReady()
        let child = try #require(h.kernel.tasks[5_000_400])
        #expect(child.ipc !== h.initTask.ipc)
        #expect(child.ipc.mqueue.users === h.initTask.ipc.mqueue.users)
        // A plain fork shares its parent's.
        let plain = try #require(h.fork(child: 5_000_401, pid: 3))
        #expect(plain.ipc === h.initTask.ipc)
        // A platform that cannot rewrite the argument, or a caller without CAP_SYS_ADMIN: EPERM.
        h.platform.capabilities.remove(.rewriteArgument)
        #expect(h.value(clone, CLONE_NEWIPC | SIGCHLD) == err(.notPermitted))
        h.platform.capabilities.insert(.rewriteArgument)
        h.initTask.creds.effective = 0
        #expect(h.value(clone, CLONE_NEWIPC | SIGCHLD) == err(.notPermitted))
    }
}
