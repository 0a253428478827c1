import Glibc
import LinuxABI
import SystemPackage

// The System V IPC namespace (ipc/namespace.c, ipc/util.c): semaphore sets, message queues and
// shared memory segments, their ids and keys, their limits. The Kernel owns the sandbox's one;
// unshare(CLONE_NEWIPC) gives a task a fresh one (Task.ipc). Everything here lives on the kernel
// thread; nothing blocks: a call that must wait parks on the object's wait queue and runs again.

/// IPC_* and the commands and flags the three families share (linux/ipc.h).
enum IPCConst {
    static let IPC_PRIVATE: Int32 = 0
    static let IPC_CREAT: Int32 = 0o1000, IPC_EXCL: Int32 = 0o2000, IPC_NOWAIT: Int32 = 0o4000
    static let IPC_RMID: Int32 = 0, IPC_SET: Int32 = 1, IPC_STAT: Int32 = 2, IPC_INFO: Int32 = 3
    /// Ids are seq * IPCMNI + index (ipc_buildid, without ipcmni_extended).
    static let IPCMNI = 32768
    static let seqMax = Int(Int32.max) >> 15
}

/// kern_ipc_perm: who owns an object and its mode.
struct IPCPerm {
    var key: Int32
    var uid: UInt32, gid: UInt32, cuid: UInt32, cgid: UInt32
    var mode: UInt32
    var seq: UInt16 = 0

    init(key: Int32, mode: Int32, creds: Credentials) {
        self.key = key
        uid = creds.euid; cuid = creds.euid
        gid = creds.egid; cgid = creds.egid
        self.mode = UInt32(bitPattern: mode) & 0o777
    }

    /// struct ipc64_perm (48 bytes) at `offset` of `b`.
    func encode(into b: inout [UInt8], at offset: Int) {
        b.putLE(UInt32(bitPattern: key), at: offset)
        b.putLE(uid, at: offset + 4); b.putLE(gid, at: offset + 8)
        b.putLE(cuid, at: offset + 12); b.putLE(cgid, at: offset + 16)
        b.putLE(mode, at: offset + 20)
        b.putLE(seq, at: offset + 24)
    }

    /// ipcperms(): `flag` holds the requested S_IRUGO/S_IWUGO bits; the owner's, the group's or
    /// the others' bits of the mode grant them, or CAP_IPC_OWNER does.
    func permits(_ flag: Int32, _ c: Credentials) -> Bool {
        let requested = UInt32(bitPattern: (flag >> 6) | (flag >> 3) | flag)
        var granted = mode
        if c.euid == cuid || c.euid == uid {
            granted >>= 6
        } else if c.inGroup(cgid) || c.inGroup(gid) {
            granted >>= 3
        }
        return requested & ~granted & 0o7 == 0 || c.has(IPCNamespace.capIPCOwner)
    }

    /// The owner check of IPC_SET and IPC_RMID (ipcctl_obtain_check): the creator, the owner,
    /// or CAP_SYS_ADMIN.
    func ownedBy(_ c: Credentials) -> Bool {
        c.euid == cuid || c.euid == uid || c.has(Capability.sysAdmin)
    }

    /// IPC_SET's changes: the owner's ids and the low nine mode bits.
    mutating func set(uid: UInt32, gid: UInt32, mode: UInt32) {
        self.uid = uid; self.gid = gid
        self.mode = (self.mode & ~0o777) | (mode & 0o777)
    }

    /// The ipc64_perm fields IPC_SET reads from a user structure.
    static func decodeSet(_ b: [UInt8]) -> (uid: UInt32, gid: UInt32, mode: UInt32) {
        (b.getLE(UInt32.self, at: 4), b.getLE(UInt32.self, at: 8), b.getLE(UInt32.self, at: 20))
    }
}

/// An object of one of the three families.
class IPCObject {
    var perm: IPCPerm
    /// The id the program sees (seq * IPCMNI + index), set when the object is added.
    fileprivate(set) var id: Int32 = -1
    fileprivate(set) var index = -1
    /// Set by IPC_RMID (or, for a segment, its last detach after it): callers that still hold
    /// the object see EIDRM.
    var removed = false

    init(perm: IPCPerm) { self.perm = perm }
}

/// The ids of one family (struct ipc_ids): objects by index, allocated cyclically with a
/// sequence number that grows when the index wraps, so a removed object's id is not reused at
/// once (ipc_idr_alloc).
final class IPCRegistry<T: IPCObject> {
    private(set) var objects: [Int: T] = [:]
    private var lastIndex = -1
    private var seq = 0

    var count: Int { objects.count }

    /// The live object with this key (never IPC_PRIVATE).
    func find(key: Int32) -> T? {
        objects.values.first { $0.perm.key == key && !$0.removed }
    }

    /// The object an id names: EINVAL for a negative id, a free index or a stale sequence.
    func find(id: Int32) throws(Errno) -> T {
        guard id >= 0, let o = objects[Int(id) % IPCConst.IPCMNI], o.id == id else { throw .invalidArgument }
        return o
    }

    /// The object at an index (the *_STAT commands): EINVAL when free.
    func find(index: Int32) throws(Errno) -> T {
        guard index >= 0, let o = objects[Int(index)] else { throw .invalidArgument }
        return o
    }

    /// Adds an object under the next free index: ENOSPC past `limit` objects.
    func add(_ o: T, limit: Int) throws(Errno) {
        if objects.count >= min(limit, IPCConst.IPCMNI) { throw .noSpace }
        var i = lastIndex + 1
        while true {
            if i >= IPCConst.IPCMNI { i = 0 }
            if objects[i] == nil { break }
            i += 1
        }
        if i <= lastIndex {
            seq += 1
            if seq >= IPCConst.seqMax { seq = 0 }
        }
        lastIndex = i
        o.index = i
        o.id = Int32(seq * IPCConst.IPCMNI + i)
        o.perm.seq = UInt16(truncatingIfNeeded: seq)
        objects[i] = o
    }

    func remove(_ o: T) {
        o.removed = true
        if objects[o.index] === o { objects[o.index] = nil }
    }

    /// The highest index in use, -1 when none (ipc_get_maxidx).
    var maxIndex: Int { objects.keys.max() ?? -1 }

    /// The objects in index order (/proc/sysvipc).
    var sorted: [T] { objects.keys.sorted().map { objects[$0]! } }
}

/// One IPC namespace: the three families, their sysctls, and what they hold.
public final class IPCNamespace {
    static let capIPCOwner = 15, capSysResource = 24

    let memory: MemoryAccount
    let semaphores = IPCRegistry<SemaphoreSet>()
    let queues = IPCRegistry<MessageQueue>()
    let segments = IPCRegistry<SharedMemorySegment>()

    // /proc/sys/kernel/sem: SEMMSL, SEMMNS, SEMOPM, SEMMNI (linux/sem.h defaults).
    var semmsl = 32000, semmns = 1_024_000_000, semopm = 500, semmni = 32000
    /// Semaphores in all sets (used_sems).
    var usedSemaphores = 0
    // /proc/sys/kernel/msg*: MSGMAX, MSGMNB, MSGMNI.
    var msgmax = 8192, msgmnb = 16384, msgmni = 32000
    /// Messages and their bytes in all queues (MSG_INFO).
    var messageCount = 0, messageBytes = 0
    // /proc/sys/kernel/shm*: SHMMAX, SHMALL (pages), SHMMNI.
    var shmmax: UInt64 = UInt64.max - (1 << 24), shmall: UInt64 = UInt64.max - (1 << 24), shmmni = 4096
    /// Pages of all segments (shm_tot).
    var shmPages: UInt64 = 0

    /// The namespace's mqueue filesystem: its POSIX message queues and their limits.
    let mqueue: MqueueNamespace

    /// A fresh namespace; `mqueueUsers` is RLIMIT_MSGQUEUE's per-user count, which outlives
    /// namespaces (pass the creator's on unshare).
    init(memory: MemoryAccount, mqueueUsers: MqueueUsers = MqueueUsers()) {
        self.memory = memory
        mqueue = MqueueNamespace(memory: memory, users: mqueueUsers)
    }

    /// The ipcget() skeleton shared by semget, msgget and shmget: IPC_PRIVATE always creates;
    /// a key finds its object (EEXIST under IPC_CREAT|IPC_EXCL, `check` for the family's
    /// size rule, then the permissions of `flag`) or, under IPC_CREAT, creates one (ENOENT
    /// without it).
    func get<T: IPCObject>(_ registry: IPCRegistry<T>, key: Int32, flag: Int32, creds: Credentials,
                           check: (T) throws(Errno) -> Void, create: () throws(Errno) -> T) throws(Errno) -> Int32 {
        if key != IPCConst.IPC_PRIVATE, let o = registry.find(key: key) {
            if flag & IPCConst.IPC_CREAT != 0 && flag & IPCConst.IPC_EXCL != 0 { throw .fileExists }
            try check(o)
            guard o.perm.permits(flag, creds) else { throw .permissionDenied }
            return o.id
        }
        if key != IPCConst.IPC_PRIVATE && flag & IPCConst.IPC_CREAT == 0 { throw .noSuchFileOrDirectory }
        return try create().id
    }

    /// The wall clock in seconds (the *_time fields).
    static func now() -> Int64 { Int64(time(nil)) }
}

extension Array where Element == UInt8 {
    mutating func putLE<T: FixedWidthInteger>(_ v: T, at offset: Int) {
        var x = v.littleEndian
        for i in 0..<MemoryLayout<T>.size {
            self[offset + i] = UInt8(truncatingIfNeeded: x)
            x = x >> 8
        }
    }
    func getLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var v = T.zero
        for i in (0..<MemoryLayout<T>.size).reversed() {
            v = (v << 8) | T(truncatingIfNeeded: self[offset + i])
        }
        return v
    }
}

extension Kernel {
    /// A process's last thread exited: its SEM_UNDO adjustments are applied (exit_sem) and its
    /// shared memory attachments dropped.
    func ipcProcessExited(_ group: ThreadGroup, _ ns: IPCNamespace) {
        group.semaphoreUndo.apply(pid: group.pid)
        ns.dropAttachments(of: group)
    }
}
