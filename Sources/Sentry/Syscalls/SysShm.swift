import LinuxABI
import Platform
import SystemPackage

// shmget, shmat, shmdt, shmctl (ipc/shm.c). The segments are in IPC/SharedMemory.swift.

private enum ShmConst {
    static let SHM_RDONLY: Int32 = 0o10000, SHM_RND: Int32 = 0o20000, SHM_REMAP: Int32 = 0o40000, SHM_EXEC: Int32 = 0o100000
    static let SHM_LOCK: Int32 = 11, SHM_UNLOCK: Int32 = 12, SHM_STAT: Int32 = 13, SHM_INFO: Int32 = 14, SHM_STAT_ANY: Int32 = 15
}

/// shmget(2).
func sysShmget(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        .value(Int64(try t.ipc.shmget(key: a.int(0), size: a[1], flag: a.int(2), creds: t.creds, pid: t.group.pid)))
    }
}

/// shmat(2).
func sysShmat(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let shmid = a.int(0), flags = a.int(2)
        var addr = a[1]
        if shmid < 0 { throw .invalidArgument }
        if addr != 0 {
            if addr & 4095 != 0 {
                guard flags & ShmConst.SHM_RND != 0 else { throw .invalidArgument }
                addr &= ~4095
                if addr == 0 { throw .invalidArgument }
            }
        } else if flags & ShmConst.SHM_REMAP != 0 {
            throw .invalidArgument
        }
        let s = try t.ipc.segments.find(id: shmid)
        let readOnly = flags & ShmConst.SHM_RDONLY != 0
        var want: Int32 = readOnly ? 0o444 : 0o666
        var prot = readOnly ? Mmap.PROT_READ : Mmap.PROT_READ | Mmap.PROT_WRITE
        if flags & ShmConst.SHM_EXEC != 0 { want |= 0o111; prot |= Mmap.PROT_EXEC }
        guard s.perm.permits(want, t.creds) else { throw .permissionDenied }
        let length = s.mappedLength
        var mflags = Mmap.MAP_SHARED
        if addr != 0 {
            // The stub stays sealed: never replaced, never overlapped.
            if ApplicationFilter.touchesStub(addr, length) {
                throw flags & ShmConst.SHM_REMAP != 0 ? .notPermitted : .invalidArgument
            }
            mflags |= flags & ShmConst.SHM_REMAP != 0 ? Mmap.MAP_FIXED : 0x100000  // MAP_FIXED_NOREPLACE
        }
        let fd = readOnly ? try s.readOnlyFD() : s.hostFD
        let mapped: UInt64
        do throws(Errno) {
            mapped = try t.mapHostFile(fd, address: addr, length: length, prot: prot, flags: mflags, offset: 0)
        } catch {
            throw error == Errno.fileExists ? Errno.invalidArgument : error
        }
        if addr != 0 && mapped != addr { throw .invalidArgument }
        if flags & ShmConst.SHM_REMAP != 0 {
            // The mappings SHM_REMAP replaced are detached (their vmas closed).
            for o in t.ipc.segments.sorted {
                while let i = o.attaches.firstIndex(where: { $0.group == t.group.hostTGID && $0.address < mapped &+ length && mapped < $0.address &+ o.mappedLength }) {
                    t.ipc.detached(o, at: i, pid: t.group.pid)
                }
            }
        }
        s.attaches.append((t.group.hostTGID, mapped))
        s.atime = IPCNamespace.now()
        s.lpid = t.group.pid
        return .value(Int64(bitPattern: mapped))
    }
}

/// shmdt(2).
func sysShmdt(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let addr = a[0]
        if addr & 4095 != 0 { throw .invalidArgument }
        let ns = t.ipc
        for s in ns.segments.sorted {
            if let i = s.attaches.firstIndex(where: { $0.group == t.group.hostTGID && $0.address == addr }) {
                _ = try t.inject(SyscallNumber.munmap, [addr, s.mappedLength])
                ns.detached(s, at: i, pid: t.group.pid)
                return .zero
            }
        }
        throw .invalidArgument
    }
}

/// shmctl(2).
func sysShmctl(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let shmid = a.int(0), cmd = a.int(1), arg = a[2]
        let ns = t.ipc
        if cmd < 0 || shmid < 0 { throw .invalidArgument }
        switch cmd {
        case IPCConst.IPC_INFO:
            var b = [UInt8](repeating: 0, count: 72)
            b.putLE(ns.shmmax, at: 0); b.putLE(UInt64(1), at: 8); b.putLE(UInt64(ns.shmmni), at: 16)
            b.putLE(UInt64(ns.shmmni), at: 24); b.putLE(ns.shmall, at: 32)
            try t.copyOut(arg, b)
            return .ok(max(ns.segments.maxIndex, 0))
        case ShmConst.SHM_INFO:
            var b = [UInt8](repeating: 0, count: 48)
            b.putLE(Int32(ns.segments.count), at: 0)
            b.putLE(ns.shmPages, at: 8)
            try t.copyOut(arg, b)
            return .ok(max(ns.segments.maxIndex, 0))
        case ShmConst.SHM_STAT, ShmConst.SHM_STAT_ANY, IPCConst.IPC_STAT:
            let s = cmd == IPCConst.IPC_STAT ? try ns.segments.find(id: shmid) : try ns.segments.find(index: shmid)
            if cmd != ShmConst.SHM_STAT_ANY && !s.perm.permits(0o444, t.creds) { throw .permissionDenied }
            try t.copyOut(arg, s.encode())
            return .value(cmd == IPCConst.IPC_STAT ? 0 : Int64(s.id))
        case ShmConst.SHM_LOCK, ShmConst.SHM_UNLOCK:
            let s = try ns.segments.find(id: shmid)
            if !t.creds.has(14) {   // CAP_IPC_LOCK, else the owner with an RLIMIT_MEMLOCK
                guard t.creds.euid == s.perm.uid || t.creds.euid == s.perm.cuid else { throw .notPermitted }
            }
            if cmd == ShmConst.SHM_LOCK { s.perm.mode |= SharedMemorySegment.SHM_LOCKED } else { s.perm.mode &= ~SharedMemorySegment.SHM_LOCKED }
            return .zero
        case IPCConst.IPC_SET:
            let b = try t.copyInBytes(arg, count: 112)
            let s = try ns.segments.find(id: shmid)
            guard s.perm.ownedBy(t.creds) else { throw .notPermitted }
            let v = IPCPerm.decodeSet(b)
            s.perm.set(uid: v.uid, gid: v.gid, mode: v.mode)
            s.ctime = IPCNamespace.now()
            return .zero
        case IPCConst.IPC_RMID:
            let s = try ns.segments.find(id: shmid)
            guard s.perm.ownedBy(t.creds) else { throw .notPermitted }
            ns.removeSegment(s)
            return .zero
        default:
            throw .invalidArgument
        }
    }
}
