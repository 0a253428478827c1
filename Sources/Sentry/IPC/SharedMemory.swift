import CHusk
import Glibc
import LinuxABI
import Platform
import SystemPackage

// System V shared memory (ipc/shm.c). A segment's pages are a memfd the Sentry owns (the host
// charges them to the sandbox's cgroup as tasks touch them); shmat installs it in the task for
// one injected MAP_SHARED mmap, as a file mmap is served, through a read-only description when
// SHM_RDONLY asks (so mprotect cannot add PROT_WRITE: VM_MAYWRITE is off, as in Linux).
//
// The host keeps the mappings, so the Sentry counts attaches itself (`attaches`, by thread
// group and address): shmat adds one, shmdt removes it (and unmaps it with an injected
// munmap); a fork child gets a copy of its parent's (the host copies the mappings); exec and
// exit drop the process's. A munmap or mremap the task runs natively over an attached range is
// not seen: shm_nattch stays counted until exec or exit (a departure).

final class SharedMemorySegment: IPCObject {
    static let SHM_DEST: UInt32 = 0o1000, SHM_LOCKED: UInt32 = 0o2000

    let size: UInt64
    let hostFD: Int32
    private var readOnly: Int32 = -1
    var atime: Int64 = 0, dtime: Int64 = 0, ctime: Int64
    var cpid: Int32, lpid: Int32 = 0
    /// Attachments: the thread group (host tgid) and the address.
    var attaches: [(group: HostTID, address: UInt64)] = []
    let charge: MemoryCharge

    init(perm: IPCPerm, size: UInt64, hostFD: Int32, cpid: Int32, charge: MemoryCharge) {
        self.size = size; self.hostFD = hostFD; self.cpid = cpid; self.charge = charge
        ctime = IPCNamespace.now()
        super.init(perm: perm)
    }

    deinit {
        close(hostFD)
        if readOnly >= 0 { close(readOnly) }
    }

    var mappedLength: UInt64 { (size + 4095) & ~4095 }

    /// A read-only description of the memfd, made once.
    func readOnlyFD() throws(Errno) -> Int32 {
        if readOnly < 0 {
            let fd = open("/proc/self/fd/\(hostFD)", O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw Errno(rawValue: errno) }
            readOnly = fd
        }
        return readOnly
    }

    /// shmid64_ds (112 bytes).
    func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 112)
        perm.encode(into: &b, at: 0)
        b.putLE(size, at: 48)
        b.putLE(atime, at: 56); b.putLE(dtime, at: 64); b.putLE(ctime, at: 72)
        b.putLE(cpid, at: 80); b.putLE(lpid, at: 84)
        b.putLE(UInt64(attaches.count), at: 88)
        return b
    }
}

extension IPCNamespace {
    /// shmget(2).
    func shmget(key: Int32, size: UInt64, flag: Int32, creds: Credentials, pid: Int32) throws(Errno) -> Int32 {
        try get(segments, key: key, flag: flag, creds: creds, check: { (s: SharedMemorySegment) throws(Errno) in
            if s.size < size { throw .invalidArgument }
        }, create: { () throws(Errno) -> SharedMemorySegment in
            if flag & 0o4000 != 0 { throw .noMemory }   // SHM_HUGETLB: no hugetlbfs pages here
            if size < 1 || size > shmmax { throw .invalidArgument }
            let pages = (size + 4095) / 4096
            if shmPages &+ pages < shmPages || shmPages + pages > shmall { throw .noSpace }
            if segments.count >= shmmni { throw .noSpace }
            let charge = try memory.hold(512, .ipc, or: .noMemory)
            let fd = chusk_vfs_memfd_create("husk-sysv-shm", 1)
            if fd < 0 { throw .noMemory }
            if ftruncate(fd, off_t(size)) != 0 { close(fd); throw .noMemory }
            let s = SharedMemorySegment(perm: IPCPerm(key: key, mode: flag, creds: creds), size: size, hostFD: fd, cpid: pid, charge: charge)
            try segments.add(s, limit: shmmni)
            shmPages += pages
            return s
        })
    }

    /// Frees a segment (its id, its pages).
    func destroySegment(_ s: SharedMemorySegment) {
        segments.remove(s)
        shmPages -= (s.size + 4095) / 4096
    }

    /// IPC_RMID: now when nothing is attached, else marked SHM_DEST with its key made private
    /// and freed at the last detach.
    func removeSegment(_ s: SharedMemorySegment) {
        if s.attaches.isEmpty { destroySegment(s); return }
        s.perm.mode |= SharedMemorySegment.SHM_DEST
        s.perm.key = IPCConst.IPC_PRIVATE
    }

    /// One attachment of `group` at `address` is gone (shmdt, exec, exit).
    func detached(_ s: SharedMemorySegment, at index: Int, pid: Int32) {
        s.attaches.remove(at: index)
        s.dtime = IPCNamespace.now()
        s.lpid = pid
        if s.attaches.isEmpty && s.perm.mode & SharedMemorySegment.SHM_DEST != 0 && !s.removed { destroySegment(s) }
    }

    /// Drops every attachment of a process whose address space is gone (exec, exit).
    func dropAttachments(of group: ThreadGroup) {
        for s in segments.sorted {
            while let i = s.attaches.firstIndex(where: { $0.group == group.hostTGID }) { detached(s, at: i, pid: group.pid) }
        }
    }

    /// A fork child shares its parent's attachments (the host copied the mappings).
    func copyAttachments(from parent: ThreadGroup, to child: ThreadGroup) {
        for s in segments.sorted {
            for a in s.attaches where a.group == parent.hostTGID { s.attaches.append((child.hostTGID, a.address)) }
        }
    }
}
