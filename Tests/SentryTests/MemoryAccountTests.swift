import Glibc
import Testing
@testable import Sentry
import SystemPackage

/// The sandbox's memory account and what charges it: pipes (with Linux's pipe limits), tmpfs,
/// inotify, epoll.
@Suite("Memory account") struct MemoryAccountTests {
    let root = Credentials()
    let user = Credentials(uid: 1000, gid: 1000)
    /// Root without CAP_SYS_RESOURCE (but with CAP_SYS_ADMIN): privileged for the soft and hard
    /// limits, not for pipe-max-size.
    var rootWithoutSysResource: Credentials {
        var c = Credentials()
        c.effective &= ~(UInt64(1) << UInt64(Capability.sysResource))
        return c
    }

    @Test("the budget is 9/16 of the memory limit (else of the host's RAM), file pages at most half")
    func budget() {
        #expect(MemoryAccount.budgets(memoryLimit: 64 << 20, hostRAM: 1 << 34) == (36 << 20, 32 << 20))
        #expect(MemoryAccount.budgets(memoryLimit: nil, hostRAM: 1 << 34) == (9 << 30, 8 << 30))
        let a = MemoryAccount(memoryLimit: 64 << 20)
        #expect(a.budget == 36 << 20 && a.fileBudget == 32 << 20)
        #expect(MemoryAccount(memoryLimit: nil).fileBudget == Int(MemoryAccount.hostRAM / 2))
        // Files stop at their part; the rest stays for pipes and the like.
        a.forceCharge(31 << 20, .tmpfsPages)
        #expect(a.available(for: .tmpfsPages) == 1 << 20 && a.available(for: .pipePages) == 5 << 20)
        #expect(!a.tryCharge(2 << 20, .tmpfsPages) && a.tryCharge(2 << 20, .pipePages))
        #expect(a.available(for: .tmpfsPages) == 1 << 20)
        #expect(a.tryCharge(3 << 20, .pipePages) && a.available(for: .tmpfsPages) == 0)
    }

    @Test("charges fit the budget or fail without charging; tokens give back on release")
    func charges() throws {
        let a = MemoryAccount(budget: 10_000)
        #expect(a.tryCharge(6000, .pipePages))
        #expect(!a.tryCharge(5000, .pipes))
        #expect(a.charged == 6000 && a.refusals == 1 && a.available == 4000)
        #expect(throws: Errno.noMemory) { try a.charge(4001, .epoll, or: .noMemory) }
        do {
            let token = try a.hold(4000, .eventfd, or: .noMemory)
            #expect(a.available == 0 && a.charged(.eventfd) == 4000)
            withExtendedLifetime(token) {}
        }
        #expect(a.charged == 6000 && a.charged(.eventfd) == 0)
        // Memory that exists already is charged past the budget; nothing new fits then.
        a.forceCharge(8000, .tmpfsPages)
        #expect(a.charged == 14000 && a.available == 0 && a.peak == 14000)
        #expect(!a.tryCharge(1, .pipes))
        a.uncharge(8000, .tmpfsPages)
        a.uncharge(6000, .pipePages)
        #expect(a.charged == 0)
        #expect(a.report.contains("budget 9 KiB (files 9 KiB), peak 13 KiB"))
    }

    // MARK: Pipes

    func pipe(_ creds: Credentials, _ limits: PipeLimits, _ memory: MemoryAccount) throws -> Pipe {
        try #require(Pipe.allocate(creds: creds, limits: limits, memory: memory))
    }

    func write(_ p: Pipe, _ n: Int) throws(Errno) -> Int {
        let bytes = [UInt8](repeating: 0x70, count: n)
        let r: Result<Int, Errno> = bytes.withUnsafeBytes { b in Result { () throws(Errno) in try p.write(b) } }
        return try r.get()
    }

    func read(_ p: Pipe, _ n: Int) throws(Errno) -> Int {
        var out = [UInt8](repeating: 0, count: n)
        let r: Result<Int, Errno> = out.withUnsafeMutableBytes { b in Result { () throws(Errno) in try p.read(into: b) } }
        return try r.get()
    }

    @Test("a pipe's pages are charged when written and given back when read; the object with it")
    func pipePages() throws {
        let memory = MemoryAccount(budget: 1 << 20)
        let limits = PipeLimits()
        do {
            let p = try pipe(user, limits, memory)
            let reader = PipeFile(pipe: p, accessMode: O_RDONLY, statusFlags: 0)
            #expect(memory.charged(.pipes) == MemoryAccount.Cost.pipe + 16 * MemoryAccount.Cost.pipeSlot)
            #expect(memory.charged(.pipePages) == 0)
            #expect(limits.userSlots[1000] == 16)
            // One byte takes one page, not the capacity (the old ring allocated it all at once).
            #expect(try write(p, 1) == 1)
            #expect(memory.charged(.pipePages) == 4096 && p.pageCount == 1)
            #expect(try write(p, 100) == 100)      // merges into the same page
            #expect(try write(p, 10_000) == 10_000)  // 1808 bytes merge, then two pages
            #expect(p.pageCount == 3 && memory.charged(.pipePages) == 3 * 4096)
            #expect(try read(p, 4096) == 4096)     // the first page is emptied
            #expect(p.pageCount == 2)
            #expect(try read(p, 1 << 20) == 10_101 - 4096)
            #expect(p.pageCount == 0 && memory.charged(.pipePages) == 0)
            _ = try write(p, 8000)
            #expect(memory.charged(.pipePages) == 2 * 4096)
            withExtendedLifetime(reader) {}
        }
        // The pipe freed with what it held: nothing stays charged.
        #expect(memory.charged == 0, "\(memory.report)")
        #expect(limits.userSlots.isEmpty)
    }

    @Test("a write the account cannot pay for: ENOMEM up to PIPE_BUF, a short count beyond; EAGAIN stays for a full pipe")
    func pipeWritesShortOfMemory() throws {
        let memory = MemoryAccount(budget: 3 * 4096 + MemoryAccount.Cost.pipe + 16 * MemoryAccount.Cost.pipeSlot)
        let p = try pipe(user, PipeLimits(), memory)
        let reader = PipeFile(pipe: p, accessMode: O_RDONLY, statusFlags: 0)
        #expect(try write(p, 5 * 4096) == 3 * 4096)   // three pages, then no memory
        #expect(memory.available == 0)
        #expect(throws: Errno.noMemory) { try self.write(p, 1) }       // the last page is full
        #expect(throws: Errno.noMemory) { try self.write(p, 4096) }
        #expect(p.room(for: 100).shortOfMemory)
        _ = try read(p, 4096)
        #expect(try write(p, 4096) == 4096)
        // A pipe that is full stays EAGAIN, whatever the account.
        let roomy = MemoryAccount(budget: 1 << 30)
        let q = try pipe(user, PipeLimits(), roomy)
        let qr = PipeFile(pipe: q, accessMode: O_RDONLY, statusFlags: 0)
        #expect(try write(q, 1 << 20) == 65536)
        #expect(throws: Errno.resourceTemporarilyUnavailable) { try self.write(q, 1) }
        #expect(!q.room(for: 1).shortOfMemory)
        withExtendedLifetime((reader, qr)) {}
    }

    @Test("no room for the pipe object: no pipe")
    func pipeObjectRefused() {
        let memory = MemoryAccount(budget: 100)
        let limits = PipeLimits()
        #expect(Pipe.allocate(creds: user, limits: limits, memory: memory) == nil)
        #expect(limits.userSlots.isEmpty)
    }

    @Test("F_SETPIPE_SZ above pipe-max-size: EPERM without CAP_SYS_RESOURCE, allowed with it")
    func pipeMaxSize() throws {
        let memory = MemoryAccount(budget: 1 << 30)
        let limits = PipeLimits()
        let p = try pipe(user, limits, memory)
        #expect(try p.resize(to: 1 << 20, creds: user) == 1 << 20)
        #expect(throws: Errno.notPermitted) { try p.resize(to: 2 << 20, creds: self.user) }
        #expect(throws: Errno.notPermitted) { try p.resize(to: 2 << 20, creds: self.rootWithoutSysResource) }
        #expect(try p.resize(to: 2 << 20, creds: root) == 2 << 20)
        // Shrinking is always allowed, even from above the maximum.
        #expect(try p.resize(to: 8192, creds: user) == 8192)
        #expect(limits.userSlots[1000] == 2)
        #expect(memory.charged(.pipes) == MemoryAccount.Cost.pipe + 2 * MemoryAccount.Cost.pipeSlot)
        // The ring is charged: ENOMEM when the account cannot hold a larger one.
        let tight = MemoryAccount(budget: MemoryAccount.Cost.pipe + 64 * MemoryAccount.Cost.pipeSlot)
        let q = try pipe(user, limits, tight)
        #expect(try q.resize(to: 64 * 4096, creds: user) == 64 * 4096)
        #expect(throws: Errno.noMemory) { try q.resize(to: 128 * 4096, creds: self.user) }
        #expect(q.capacity == 64 * 4096 && limits.userSlots[1000] == 2 + 64)
    }

    @Test("pipe-user-pages-soft: past it an unprivileged user's new pipes get 2 slots and cannot grow; root is exempt")
    func pipeSoftLimit() throws {
        let memory = MemoryAccount(budget: 1 << 30)
        let limits = PipeLimits()
        var big: [Pipe] = []
        // 64 pipes of 1 MiB (256 slots) reach 16384 slots exactly, which is not past the limit.
        for _ in 0..<64 {
            let p = try pipe(user, limits, memory)
            #expect(try p.resize(to: 1 << 20, creds: user) == 1 << 20)
            big.append(p)
        }
        #expect(limits.userSlots[1000] == 16384)
        let small = try pipe(user, limits, memory)
        #expect(small.capacity == 2 * 4096)
        #expect(throws: Errno.notPermitted) { try small.resize(to: 16 * 4096, creds: self.user) }
        #expect(try small.resize(to: 4096, creds: user) == 4096)   // shrinking is allowed
        #expect(throws: Errno.notPermitted) { try big[0].resize(to: 2 << 20, creds: self.user) }
        // Another user, and a privileged one, are not affected.
        #expect(try pipe(Credentials(uid: 1001, gid: 1001), limits, memory).capacity == 65536)
        let privileged = try pipe(rootWithoutSysResource, limits, memory)
        #expect(privileged.capacity == 65536)
        #expect(try privileged.resize(to: 1 << 20, creds: rootWithoutSysResource) == 1 << 20)
        // Freed pipes give their slots back: the next one is full size again.
        big.removeAll()
        #expect(limits.userSlots[1000] == 1)
        #expect(try pipe(user, limits, memory).capacity == 65536)
    }

    @Test("pipe-user-pages-hard: past it an unprivileged user gets no pipe (ENFILE) and cannot grow one")
    func pipeHardLimit() throws {
        let memory = MemoryAccount(budget: 1 << 30)
        let limits = PipeLimits()
        limits.userPagesHard = 40
        let a = try pipe(user, limits, memory), b = try pipe(user, limits, memory)
        #expect(Pipe.allocate(creds: user, limits: limits, memory: memory) == nil)   // 48 > 40
        #expect(throws: Errno.notPermitted) { try a.resize(to: 32 * 4096, creds: self.user) }
        #expect(limits.userSlots[1000] == 32)
        #expect(try pipe(root, limits, memory).capacity == 65536)
        withExtendedLifetime((a, b)) {}
    }

    // MARK: tmpfs

    @Test("tmpfs mounts share the account: ENOSPC once it is spent, inodes too; freed pages come back")
    func tmpfs() throws {
        let memory = MemoryAccount(budget: 8 * 4096 + 2 * MemoryAccount.Cost.tmpfsNode)
        let a = TmpFS(sizeBytes: 1 << 20, account: memory), b = TmpFS(sizeBytes: 1 << 20, account: memory)
        let f = try #require(try a.root.create(Array("f".utf8), mode: 0o644, creds: user) as? TmpFile)
        let g = try #require(try b.root.create(Array("g".utf8), mode: 0o644, creds: user) as? TmpFile)
        let chunk = [UInt8](repeating: 1, count: 6 * 4096)
        #expect(try chunk.withUnsafeBytes { bytes throws(Errno) in try f.write(bytes, at: 0) } == 6 * 4096)
        #expect(try chunk.withUnsafeBytes { bytes throws(Errno) in try g.write(bytes, at: 0) } == 2 * 4096)
        #expect(throws: Errno.noSpace) { try chunk.withUnsafeBytes { bytes throws(Errno) in try g.write(bytes, at: 2 * 4096) } }
        #expect(throws: Errno.noSpace) { try b.root.create(Array("h".utf8), mode: 0o644, creds: self.user) }
        #expect(throws: Errno.noSpace) { try g.checkFallocate(offset: 2 * 4096, length: 1) }
        #expect(memory.charged(.tmpfsPages) == 8 * 4096)
        var c = AttributeChange(); c.size = 0
        try f.setAttributes(c)
        #expect(memory.charged(.tmpfsPages) == 2 * 4096)
        #expect(try chunk.withUnsafeBytes { bytes throws(Errno) in try g.write(bytes, at: 2 * 4096) } == 6 * 4096)
        // An overlay or memfd file (no mount limits) charges the same account.
        let loose = try TmpFile(fileMode: 0o644, uid: 0, gid: 0, account: memory, device: SyntheticDevice(SyntheticDev.tmpfs))
        #expect(throws: Errno.noSpace) { try chunk.withUnsafeBytes { bytes throws(Errno) in try loose.write(bytes, at: 0) } }
    }

    // MARK: fd tables

    @Test("fd tables: each fd is charged (ENOMEM past the budget), lowest free fd first, forks charged, closes give back")
    func fdTables() throws {
        let perFD = MemoryAccount.Cost.fdSlot + MemoryAccount.Cost.openFile
        let memory = MemoryAccount(budget: 10 * perFD)
        let file = EventFDFile(initial: 0, semaphore: false, statusFlags: 0)
        var t: FDTable? = FDTable(account: memory)
        for fd in 0..<10 { #expect(try t!.allocate(file, closeOnExec: fd % 2 == 0, limit: 1024) == Int32(fd)) }
        #expect(throws: Errno.noMemory) { try t!.allocate(file, closeOnExec: false, limit: 1024) }
        #expect(throws: Errno.noMemory) { try t!.install(file, at: 20, closeOnExec: false) }
        #expect(try t!.install(file, at: 3, closeOnExec: false) === file)   // replacing costs nothing
        t!.remove(4)
        t!.remove(2)
        #expect(memory.available == 2 * MemoryAccount.Cost.openFile)   // the slots stay
        #expect(try t!.allocate(file, closeOnExec: false, limit: 1024) == 2)
        #expect(throws: Errno.noMemory) { try t!.allocate(file, closeOnExec: false, minimum: 5, limit: 1024) }  // slot 10
        #expect(try t!.allocate(file, closeOnExec: false, limit: 1024) == 4)
        #expect(memory.available == 0)
        // A fork's copy exists already: charged past the budget.
        let copy = t!.copy()
        #expect(memory.charged == 2 * memory.budget)
        t!.closeOnExec()
        #expect(t!.openFDs == [1, 2, 3, 4, 5, 7, 9])
        t = nil
        #expect(memory.charged == memory.budget)
        copy.removeAll()
        #expect(memory.charged == 0, "\(memory.report)")
    }

    // MARK: inotify, epoll

    @Test("inotify: 128 instances per user (EMFILE); an event the account cannot pay for is IN_Q_OVERFLOW")
    func inotify() throws {
        let memory = MemoryAccount(budget: 1 << 20)
        let counts = InotifyInstances()
        var held: [InotifyFile] = []
        for _ in 0..<InotifyInstances.maxPerUser { held.append(try InotifyFile(statusFlags: 0, user: 0, instances: counts, account: memory, registry: FSNotifyRegistry())) }
        #expect(throws: Errno.tooManyOpenFiles) { try InotifyFile(statusFlags: 0, user: 0, instances: counts, account: memory, registry: FSNotifyRegistry()) }
        _ = try InotifyFile(statusFlags: 0, user: 1000, instances: counts, account: memory, registry: FSNotifyRegistry())
        held.removeLast()
        _ = try InotifyFile(statusFlags: 0, user: 0, instances: counts, account: memory, registry: FSNotifyRegistry())
        held.removeAll()
        #expect(counts.byUser.isEmpty && memory.charged == 0)

        let tight = MemoryAccount(budget: MemoryAccount.Cost.inotifyInstance + 3 * (MemoryAccount.Cost.inotifyEvent + 1))
        let i = try InotifyFile(statusFlags: O_NONBLOCK, user: 0, instances: counts, account: tight, registry: FSNotifyRegistry())
        for n in 0..<10 { i.enqueue(wd: 1, mask: InotifyMask.create, cookie: 0, name: [UInt8(0x61 + n)]) }
        // Three events (32-byte records) and one IN_Q_OVERFLOW (16 bytes), which is not repeated.
        #expect(i.pendingCount == 4 && i.queuedBytes == 3 * 32 + 16)
        #expect(tight.available == 0)
        i.enqueue(wd: 1, mask: InotifyMask.delete, cookie: 0, name: nil)
        #expect(i.pendingCount == 4)
        // A watch it cannot pay for is ENOMEM.
        #expect(throws: Errno.noMemory) { try i.addWatch(SyntheticInode(mode: FileType.directory | 0o755, device: SyntheticDevice(1)), mask: InotifyMask.create) }
    }

    @Test("epoll: each registration is charged; ENOMEM when the account cannot pay")
    func epoll() throws {
        let memory = MemoryAccount(budget: 3 * MemoryAccount.Cost.epollItem)
        var ep: EpollFile? = try EpollFile(account: memory)
        let files = (0..<3).map { _ in PipeFile.makePair(statusFlags: 0) }
        try ep!.add(fd: 3, file: files[0].read, events: 1, data: 0)
        try ep!.add(fd: 4, file: files[1].read, events: 1, data: 0)
        #expect(throws: Errno.noMemory) { try ep!.add(fd: 5, file: files[2].read, events: 1, data: 0) }
        ep!.remove(try #require(ep!.entry(fd: 3, file: files[0].read)))
        try ep!.add(fd: 5, file: files[2].read, events: 1, data: 0)
        #expect(memory.available == 0)
        ep = nil
        #expect(memory.charged == 0)
    }
}
