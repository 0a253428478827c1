import Glibc
import LinuxABI
import Platform
@testable import Sentry
import SystemPackage
import Testing

// Kernel state hangs off the Kernel and what it owns (its VFS, pipefs, memory account), never
// off statics: two Kernels in one process keep their locks, watches, pipe numbers, memfd paths,
// /proc and memory limits apart.

/// A Kernel over a tmpfs root, with `memoryLimit` as its --memory.
private func makeKernel(memoryLimit: UInt64? = nil) throws -> Kernel {
    let memory = memoryLimit.map { MemoryAccount(memoryLimit: $0) } ?? MemoryAccount(budget: Int.max)
    let vfs = try VFS(rootInode: TmpFS().root, memory: memory)
    try vfs.mountStandardFilesystems()
    return Kernel(platform: FakePlatform(), vfs: vfs, strace: nil, terminal: nil, hostSignals: false)
}

/// Makes a regular file at absolute `path` of `vfs` (as root) and stats it.
private func createFile(_ vfs: VFS, _ path: String) throws -> FileStat {
    let ctx = FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022)
    let file = try vfs.open(ctx, at: nil, Array(path.utf8), flags: O_CREAT | O_EXCL | O_RDWR, mode: 0o644, creds: Credentials())
    return try file.stat()
}

/// Stats absolute `path` of `vfs` without following a final symlink.
private func statPath(_ vfs: VFS, _ path: String) throws -> FileStat {
    let ctx = FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022)
    return try #require(try vfs.lookup(ctx, at: nil, Array(path.utf8), followFinal: false, creds: Credentials()).inode).stat()
}

private func blockedSignals() -> sigset_t {
    var set = sigset_t()
    sigprocmask(SIG_BLOCK, nil, &set)
    return set
}

@Suite("Two kernels in one process") struct KernelStateTests {
    @Test("each Kernel owns its VFS, lock table, fsnotify state, pipefs and memory account")
    func ownership() throws {
        let a = try makeKernel(), b = try makeKernel()
        #expect(a.vfs !== b.vfs)
        #expect(a.vfs.locks !== b.vfs.locks)
        #expect(a.vfs.fsnotify !== b.vfs.fsnotify)
        #expect(a.vfs.proc !== b.vfs.proc)
        #expect(a.pipeLimits !== b.pipeLimits)
        #expect(a.memory !== b.memory)
        #expect(a.vfs.devices.tmpfs !== b.vfs.devices.tmpfs)
        #expect(a.vfs.devices.procfs !== b.vfs.devices.procfs)
    }

    @Test("a test's Kernel leaves the process's signal mask alone")
    func hostSignals() throws {
        let before = blockedSignals()
        _ = try makeKernel()
        var after = blockedSignals()
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var b = before
            #expect(sigismember(&after, sig) == sigismember(&b, sig))
        }
    }

    @Test("locks taken in one kernel's table are not seen by the other's")
    func locks() throws {
        let a = try makeKernel(), b = try makeKernel()
        let inode = TmpFS().root   // the same node in both tables, which no real sandbox shares
        let file = PipeFile.makePair(statusFlags: 0).read
        let la = a.vfs.locks.locks(inode)
        #expect(a.vfs.locks.flock(la, owner: a.vfs.locks.handle(file, la), exclusive: true))
        let lb = b.vfs.locks.locks(inode)
        #expect(lb.flocks.isEmpty)
        let other = PipeFile.makePair(statusFlags: 0).read
        #expect(b.vfs.locks.flock(lb, owner: b.vfs.locks.handle(other, lb), exclusive: true))
        // Still a conflict in the first table.
        #expect(!a.vfs.locks.flock(la, owner: a.vfs.locks.handle(other, la), exclusive: true))
    }

    @Test("inotify watches count in their own kernel")
    func watchCounts() throws {
        let a = try makeKernel(), b = try makeKernel()
        let memory = MemoryAccount(budget: 1 << 20)
        let i = try InotifyFile(statusFlags: O_NONBLOCK, user: 0, instances: a.inotifyInstances, account: memory, registry: a.vfs.fsnotify)
        _ = try i.addWatch(a.vfs.root.inode!, mask: InotifyMask.create)
        #expect(a.vfs.fsnotify.watchCount == 1)
        #expect(b.vfs.fsnotify.watchCount == 0)
        #expect(b.inotifyInstances.byUser.isEmpty)
    }

    @Test("pipe inode numbers are per pipefs: each kernel numbers from the start")
    func pipeInodes() throws {
        let a = try makeKernel(), b = try makeKernel()
        let creds = Credentials()
        let pa1 = try #require(Pipe.allocate(creds: creds, limits: a.pipeLimits, memory: a.memory))
        let pa2 = try #require(Pipe.allocate(creds: creds, limits: a.pipeLimits, memory: a.memory))
        let pb1 = try #require(Pipe.allocate(creds: creds, limits: b.pipeLimits, memory: b.memory))
        #expect(pa1.ino == pb1.ino)
        #expect(pa2.ino == pa1.ino + 1)
    }

    @Test("synthetic inode numbers are per namespace: each kernel numbers its tmpfs files from the same start")
    func syntheticInodes() throws {
        let a = try makeKernel(), b = try makeKernel()
        let fa = try createFile(a.vfs, "/tmp/first"), fb = try createFile(b.vfs, "/tmp/first")
        #expect(fa.dev == SyntheticDev.tmpfs && fb.dev == SyntheticDev.tmpfs)
        #expect(fa.ino == fb.ino)
        // Within one namespace /tmp and /run are one device and never share a number.
        let ra = try createFile(a.vfs, "/run/second")
        #expect(ra.dev == fa.dev)
        #expect(ra.ino != fa.ino)
        #expect(try statPath(a.vfs, "/run").ino != statPath(a.vfs, "/tmp").ino)
        // procfs and devfs too: the same node has the same number in both kernels.
        #expect(try statPath(a.vfs, "/proc/meminfo").ino == statPath(b.vfs, "/proc/meminfo").ino)
        #expect(try statPath(a.vfs, "/dev/null").ino == statPath(b.vfs, "/dev/null").ino)
    }

    @Test("two live files on the tmpfs mounts of one namespace never share (st_dev, st_ino)")
    func tmpfsMountsShareOneSequence() throws {
        let k = try makeKernel()
        try k.vfs.mountTmpFS(at: "/mnt", mode: 0o1777, sizeBytes: 1 << 20)   // a --tmpfs mount
        let dirs = ["/tmp", "/root", "/home", "/run", "/var/tmp", "/dev/shm", "/mnt"]
        var seen: [String: String] = [:]   // "dev:ino" -> path
        var clashes: [String] = []
        func note(_ s: FileStat, _ path: String) {
            let key = "\(s.dev):\(s.ino)"
            if let other = seen[key] { clashes.append("\(path) and \(other) are both \(key)") }
            seen[key] = path
        }
        for d in dirs {
            let root = try statPath(k.vfs, d)
            #expect(root.dev == SyntheticDev.tmpfs, "\(d)")
            note(root, d)
            for i in 0..<3 { note(try createFile(k.vfs, "\(d)/f\(i)"), "\(d)/f\(i)") }
        }
        #expect(clashes.isEmpty, "\(clashes)")
        #expect(seen.count == dirs.count * 4)
    }

    @Test("the memory limit each kernel reports is its own")
    func memoryLimits() throws {
        let a = try makeKernel(memoryLimit: 256 << 20), b = try makeKernel(memoryLimit: 512 << 20)
        #expect(a.memory.memoryLimit == 256 << 20)
        #expect(b.memory.memoryLimit == 512 << 20)
        // A tmpfs without a size takes half of its sandbox's RAM.
        #expect(TmpFS(account: a.memory).limits.maxBlocks == (256 << 20) / 2 / 4096)
        #expect(TmpFS(account: b.memory).limits.maxBlocks == (512 << 20) / 2 / 4096)
    }

    @Test("fdinfo's mount ids come from the kernel's own mount table")
    func mountIDs() throws {
        let a = try makeKernel()
        let tmp = try a.vfs.lookup(FSContext(root: a.vfs.root, cwd: a.vfs.root, umask: 0o022), at: nil, Array("/tmp".utf8), followFinal: true, creds: Credentials())
        let id = ProcPid.mountID(tmp, in: a.vfs)
        #expect(id > 21)   // not the root's
        #expect(ProcPid.mountID(tmp, in: nil) == 21)
    }
}
