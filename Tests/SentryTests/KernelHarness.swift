// A real Kernel over the FakePlatform and a tmpfs-only VFS: a test feeds syscall stops,
// lets the kernel serve them (Kernel.serveReady) and reads the completions and task memory.

import Glibc
import LinuxABI
import Platform
@testable import Sentry
import SystemPackage

/// Host tids above the largest pid_max (2^22), so no /proc/TID of the host is ever read for
/// a fake task (HostProc finds none: no signal is blocked).
let fakeInitTID: HostTID = 5_000_001

/// The root of the harness's VFS: a tmpfs, with the sandbox's standard mounts (/dev, /proc, /tmp…).
func makeTmpfsVFS() throws(Errno) -> VFS {
    let vfs = try VFS(rootInode: TmpFS(mode: 0o755).root)
    try vfs.mountStandardFilesystems()
    return vfs
}

final class KernelHarness {
    let platform = FakePlatform()
    let vfs: VFS
    let kernel: Kernel
    /// The first task (pid 1).
    let initTask: Task
    private var nextAddress = FakePlatform.memoryBase

    init() throws {
        vfs = try makeTmpfsVFS()
        // No forwarded host signals: the test process keeps its signal mask.
        kernel = Kernel(platform: platform, vfs: vfs, strace: nil, terminal: nil, hostSignals: false)
        platform.addTask(fakeInitTID, vtid: 1)
        initTask = kernel.adoptFirstTask(hostTID: fakeInitTID, fdTable: FDTable(account: vfs.memory),
                                         fs: FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022), creds: Credentials())
    }

    /// Runs one syscall of `task` to its completion: the completion, or nil when the call parked.
    @discardableResult
    func call(_ nr: Int, _ args: UInt64..., on task: Task? = nil) -> SyscallCompletion? {
        let tid = (task ?? initTask).hostTID
        let before = platform.completionCount
        platform.queueSyscall(tid, nr, args)
        kernel.serveReady()
        return platform.completions(of: tid, from: before).last
    }

    /// Runs a syscall that must complete with a value (or -errno) and returns it.
    func value(_ nr: Int, _ args: UInt64..., on task: Task? = nil) -> Int64? {
        let tid = (task ?? initTask).hostTID
        let before = platform.completionCount
        platform.queueSyscall(tid, nr, args)
        kernel.serveReady()
        guard case .skip(let v) = platform.completions(of: tid, from: before).last else { return nil }
        return v
    }

    /// A fork child of `parent`, as the platform's clone and first-stop events announce it.
    func fork(_ parent: Task? = nil, child: HostTID, pid: Int32) -> Task? {
        let p = parent ?? initTask
        platform.addTask(child, vtid: pid, copying: p.hostTID)
        platform.queue(.cloned(parent: p.hostTID, child: child, kind: .fork))
        platform.queue(.started(child))
        kernel.serveReady()
        return kernel.tasks[child]
    }

    // MARK: Fake task memory (one layout for every fake task: a fork child's copy of it)

    /// `count` zeroed bytes in the tasks' memory.
    func buffer(_ count: Int) -> UInt64 {
        let a = nextAddress
        nextAddress += (UInt64(count) + 7) & ~7
        return a
    }

    /// A NUL-terminated string in `task`'s memory.
    func string(_ s: String, in task: Task? = nil) -> UInt64 {
        bytes(Array(s.utf8) + [0], in: task)
    }

    func bytes(_ b: [UInt8], in task: Task? = nil) -> UInt64 {
        let a = buffer(b.count)
        try! b.withUnsafeBytes { try platform.writeMemory((task ?? initTask).hostTID, at: a, from: $0) }
        return a
    }

    func read(_ address: UInt64, _ count: Int, in task: Task? = nil) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        try! out.withUnsafeMutableBytes { try platform.readMemory((task ?? initTask).hostTID, at: address, into: $0) }
        return out
    }

    func int32s(_ address: UInt64, _ count: Int, in task: Task? = nil) -> [Int32] {
        let b = read(address, 4 * count, in: task)
        return (0..<count).map { i in b[(4 * i)..<(4 * i + 4)].reversed().reduce(Int32(0)) { $0 << 8 | Int32($1) } }
    }
}

extension UInt64 {
    /// A C int argument as the task's register holds it (sign-extended).
    init(int v: Int32) { self = UInt64(bitPattern: Int64(v)) }
}
