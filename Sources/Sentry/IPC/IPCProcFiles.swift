import Glibc
import LinuxABI
import SystemPackage

// /proc/sysvipc/{sem,msg,shm} and the IPC sysctls of /proc/sys/kernel, in the reader's IPC
// namespace, in Linux's formats (ipc/sem.c sysvipc_sem_proc_show and friends), so that ipcs
// and ipcrm work.

enum IPCProcFiles {
    private static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : String(repeating: " ", count: n - s.count) + s
    }

    static func sem(_ ns: IPCNamespace) -> [UInt8] {
        var out = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
        for s in ns.semaphores.sorted {
            let p = s.perm
            out += "\(pad(String(p.key), 10)) \(pad(String(s.id), 10))  \(pad(String(p.mode, radix: 8), 4)) \(pad(String(s.count), 10)) "
            out += "\(pad(String(p.uid), 5)) \(pad(String(p.gid), 5)) \(pad(String(p.cuid), 5)) \(pad(String(p.cgid), 5)) "
            out += "\(pad(String(s.otime), 10)) \(pad(String(s.ctime), 10))\n"
        }
        return Array(out.utf8)
    }

    static func msg(_ ns: IPCNamespace) -> [UInt8] {
        var out = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n"
        for q in ns.queues.sorted {
            let p = q.perm
            out += "\(pad(String(p.key), 10)) \(pad(String(q.id), 10))  \(pad(String(p.mode, radix: 8), 4))  \(pad(String(q.bytes), 10)) "
            out += "\(pad(String(q.messages.count), 10)) \(pad(String(q.lspid), 5)) \(pad(String(q.lrpid), 5)) "
            out += "\(pad(String(p.uid), 5)) \(pad(String(p.gid), 5)) \(pad(String(p.cuid), 5)) \(pad(String(p.cgid), 5)) "
            out += "\(pad(String(q.stime), 10)) \(pad(String(q.rtime), 10)) \(pad(String(q.ctime), 10))\n"
        }
        return Array(out.utf8)
    }

    static func shm(_ ns: IPCNamespace) -> [UInt8] {
        var out = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n"
        for m in ns.segments.sorted {
            let p = m.perm
            var st = stat()
            let rss = fstat(m.hostFD, &st) == 0 ? UInt64(st.st_blocks) * 512 : 0
            out += "\(pad(String(p.key), 10)) \(pad(String(m.id), 10))  \(pad(String(p.mode, radix: 8), 4)) \(pad(String(m.size), 21)) "
            out += "\(pad(String(m.cpid), 5)) \(pad(String(m.lpid), 5))  \(pad(String(m.attaches.count), 5)) "
            out += "\(pad(String(p.uid), 5)) \(pad(String(p.gid), 5)) \(pad(String(p.cuid), 5)) \(pad(String(p.cgid), 5)) "
            out += "\(pad(String(m.atime), 10)) \(pad(String(m.dtime), 10)) \(pad(String(m.ctime), 10)) \(pad(String(rss), 21)) \(pad("0", 21))\n"
        }
        return Array(out.utf8)
    }

    /// /proc/sysvipc.
    static func directory(_ root: ProcRoot) -> StaticDirectory {
        let dev = root.device
        weak let r = root
        func ns(_ t: Task?) -> IPCNamespace? { t?.ipc ?? r?.kernel?.ipc }
        let d = StaticDirectory(device: dev, magic: ProcRoot.magic, mode: 0o555)
        d.add("sem", GeneratedFile(device: dev) { t in ns(t).map(sem) ?? [] })
        d.add("msg", GeneratedFile(device: dev) { t in ns(t).map(msg) ?? [] })
        d.add("shm", GeneratedFile(device: dev) { t in ns(t).map(shm) ?? [] })
        return d
    }

    /// The sysctls of /proc/sys/kernel: shmmax, shmall, shmmni, sem, msgmax, msgmnb, msgmni.
    static func sysctls(_ root: ProcRoot) -> [(String, Inode)] {
        weak let r = root
        func value(_ get: @escaping (IPCNamespace) -> [UInt64], _ set: @escaping (IPCNamespace, [UInt64]) -> Void) -> IPCSysctl {
            IPCSysctl(namespace: { t in t?.ipc ?? r?.kernel?.ipc }, get: get, set: set, device: root.device)
        }
        return [
            ("shmmax", value({ [$0.shmmax] }, { $0.shmmax = $1[0] })),
            ("shmall", value({ [$0.shmall] }, { $0.shmall = $1[0] })),
            ("shmmni", value({ [UInt64($0.shmmni)] }, { $0.shmmni = Int(min($1[0], 32768)) })),
            ("msgmax", value({ [UInt64($0.msgmax)] }, { $0.msgmax = Int(min($1[0], UInt64(Int32.max))) })),
            ("msgmnb", value({ [UInt64($0.msgmnb)] }, { $0.msgmnb = Int(min($1[0], UInt64(Int32.max))) })),
            ("msgmni", value({ [UInt64($0.msgmni)] }, { $0.msgmni = Int(min($1[0], 32768)) })),
            ("sem", value({ [UInt64($0.semmsl), UInt64($0.semmns), UInt64($0.semopm), UInt64($0.semmni)] }, { ns, v in
                guard v.count == 4 else { return }
                ns.semmsl = Int(min(v[0], 65536)); ns.semmns = Int(min(v[1], UInt64(Int32.max)))
                ns.semopm = Int(min(v[2], 65536)); ns.semmni = Int(min(v[3], 32768))
            })),
        ]
    }
}

extension IPCProcFiles {
    /// /proc/sys/fs/mqueue: the reader's namespace's POSIX message queue limits, with
    /// mq_sysctl.c's bounds (EINVAL outside them): msg_max and msg_default 1…65536,
    /// msgsize_max and msgsize_default 128…16 MiB, queues_max any int.
    static func mqueueDirectory(_ root: ProcRoot) -> StaticDirectory {
        weak let r = root
        func value(_ get: @escaping (MqueueNamespace) -> Int, _ range: ClosedRange<UInt64>,
                   _ set: @escaping (MqueueNamespace, Int) -> Void) -> IPCSysctl {
            IPCSysctl(namespace: { t in t?.ipc ?? r?.kernel?.ipc }, get: { [UInt64(get($0.mqueue))] },
                      set: { (ns: IPCNamespace, v: [UInt64]) throws(Errno) in
                          guard range.contains(v[0]) else { throw .invalidArgument }
                          set(ns.mqueue, Int(v[0]))
                      }, device: root.device)
        }
        let msgs = UInt64(MqLimits.minMsgMax)...UInt64(MqLimits.hardMsgMax)
        let sizes = UInt64(MqLimits.minMsgSizeMax)...UInt64(MqLimits.hardMsgSizeMax)
        let d = StaticDirectory(device: root.device, magic: ProcRoot.magic, mode: 0o555)
        d.add("msg_default", value({ $0.msgDefault }, msgs, { $0.msgDefault = $1 }))
        d.add("msg_max", value({ $0.msgMax }, msgs, { $0.msgMax = $1 }))
        d.add("msgsize_default", value({ $0.msgsizeDefault }, sizes, { $0.msgsizeDefault = $1 }))
        d.add("msgsize_max", value({ $0.msgsizeMax }, sizes, { $0.msgsizeMax = $1 }))
        d.add("queues_max", value({ $0.queuesMax }, 0...UInt64(Int32.max), { $0.queuesMax = $1 }))
        return d
    }
}

/// A numeric IPC sysctl of the reader's namespace: world-readable, writable by root with
/// CAP_SYS_ADMIN (sem takes four numbers, separated by tabs on reading).
final class IPCSysctl: SyntheticInode {
    let namespace: (Task?) -> IPCNamespace?
    let get: (IPCNamespace) -> [UInt64]
    let set: (IPCNamespace, [UInt64]) throws(Errno) -> Void
    init(namespace: @escaping (Task?) -> IPCNamespace?, get: @escaping (IPCNamespace) -> [UInt64],
         set: @escaping (IPCNamespace, [UInt64]) throws(Errno) -> Void,
         device: SyntheticDevice) {
        self.namespace = namespace; self.get = get; self.set = set
        super.init(mode: FileType.regular | 0o644, device: device)
    }
    override var readOnly: Bool { false }
    override func setAttributes(_ change: AttributeChange) throws(Errno) {
        if change.mode != nil || change.uid != nil || change.gid != nil { throw .notPermitted }
    }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        guard let ns = namespace(request.task) else { throw .noSuchFileOrDirectory }
        let text = get(ns).map(String.init).joined(separator: "\t") + "\n"
        let set = self.set
        return ProcWritableFile(dentry, flags: request.flags, contents: Array(text.utf8)) { (writer: Task, bytes: [UInt8]) throws(Errno) in
            if !writer.creds.has(Capability.sysAdmin) { throw .notPermitted }
            let words = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            var values: [UInt64] = []
            for w in words {
                guard let v = UInt64(w) else { throw .invalidArgument }
                values.append(v)
            }
            if values.isEmpty { throw .invalidArgument }
            try set(ns, values)
        }
    }
}
