import Glibc
import Platform
import SystemPackage

// The contents of /proc's files (see ProcFS.swift for the tree). Host facts come from the
// Sentry's own procfs (/proc/<host tid>/…, its PID namespace): reading it is allowed by the
// Sentry's seccomp filter (read-only openat below /proc).

/// Whole-file reads of the Sentry's procfs.
enum HostProcFile {
    static func read(_ path: String, limit: Int = 4 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return out.isEmpty ? nil : out }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// The lines of a host file, as strings.
    static func lines(_ path: String) -> [Substring] {
        guard let b = read(path) else { return [] }
        return String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// A CPU list ("0-3,6") as a set.
    static func parseCPUList(_ s: Substring) -> Set<Int> {
        var out = Set<Int>()
        for part in s.split(separator: ",") {
            let r = part.split(separator: "-")
            if r.count == 2, let a = Int(r[0].trimmingWhitespace()), let b = Int(r[1].trimmingWhitespace()), a <= b { for i in a...b { out.insert(i) } }
            else if let a = Int(part.trimmingWhitespace()) { out.insert(a) }
        }
        return out
    }

    /// A set of CPUs as a list ("0-3,6").
    static func formatCPUList(_ set: Set<Int>) -> String {
        let s = set.sorted()
        var parts: [String] = []
        var i = 0
        while i < s.count {
            var j = i
            while j + 1 < s.count, s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(i == j ? "\(s[i])" : "\(s[i])-\(s[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// The CPUs a host task may run on (its Cpus_allowed_list); nil when unknown.
    static func allowedCPUs(_ tid: HostTID) -> Set<Int>? {
        for line in lines("/proc/\(tid)/status") where line.hasPrefix("Cpus_allowed_list:") {
            let set = parseCPUList(line.dropFirst("Cpus_allowed_list:".count))
            return set.isEmpty ? nil : set
        }
        return nil
    }
}

/// The global files of /proc.
enum ProcGlobal {
    /// The host's cpuinfo, limited to the CPUs the reader may run on.
    static func cpuinfo(_ kernel: Kernel?, _ reader: Task?) -> [UInt8] {
        guard let bytes = HostProcFile.read("/proc/cpuinfo") else { return [] }
        let tid = reader?.hostTID ?? kernel?.initGroup?.threads.first?.hostTID
        guard let tid, let allowed = HostProcFile.allowedCPUs(tid) else { return bytes }
        let text = String(decoding: bytes, as: UTF8.self)
        var out = ""
        for block in text.split(separator: "\n\n") {
            guard let first = block.split(separator: "\n").first, first.hasPrefix("processor"),
                  let n = Int(first.split(separator: ":").last?.trimmingWhitespace() ?? "") else { continue }
            if allowed.contains(n) { out += block; out += "\n\n" }
        }
        return Array(out.utf8)
    }

    /// The host's meminfo; with a memory limit, MemTotal is the limit and MemFree/MemAvailable no more.
    static func meminfo(_ memoryLimit: UInt64?) -> [UInt8] {
        let host = HostProcFile.read("/proc/meminfo") ?? []
        guard let limit = memoryLimit else { return host }
        let kb = limit / 1024
        var out = ""
        for line in String(decoding: host, as: UTF8.self).split(separator: "\n") {
            let key = line.prefix { $0 != ":" }
            if key == "MemTotal" || key == "MemFree" || key == "MemAvailable",
               let v = UInt64(line.dropFirst(key.count + 1).filter { $0.isNumber }) {
                let shown = key == "MemTotal" ? kb : min(v, kb)
                let num = String(shown)
                let name = key + ":"
                out += name + String(repeating: " ", count: max(1, 24 - name.count - num.count)) + num + " kB\n"
            } else { out += line + "\n" }
        }
        return Array(out.utf8)
    }

    /// The host's /proc/stat with per-CPU lines limited to the reader's CPUs, and the process
    /// counts of the sandbox.
    static func stat(_ kernel: Kernel?, _ reader: Task?) -> [UInt8] {
        let lines = HostProcFile.lines("/proc/stat")
        let tid = reader?.hostTID ?? kernel?.initGroup?.threads.first?.hostTID
        let allowed = tid.flatMap { HostProcFile.allowedCPUs($0) }
        var out = ""
        for line in lines where !line.isEmpty {
            if line.hasPrefix("cpu") && !line.hasPrefix("cpu "), let allowed {
                let n = Int(line.dropFirst(3).prefix { $0 != " " }) ?? -1
                if !allowed.contains(n) { continue }
            }
            if line.hasPrefix("procs_running "), let kernel {
                out += "procs_running \(max(1, kernel.tasks.values.filter { $0.parked == nil }.count))\n"; continue
            }
            if line.hasPrefix("procs_blocked ") { out += "procs_blocked 0\n"; continue }
            out += line; out += "\n"
        }
        return Array(out.utf8)
    }

    /// The host's load averages with the sandbox's task counts and last pid.
    static func loadavg(_ kernel: Kernel?) -> [UInt8] {
        let host = HostProcFile.lines("/proc/loadavg").first ?? "0.00 0.00 0.00 1/1 1"
        let f = host.split(separator: " ")
        let running = kernel.map { max(1, $0.tasks.values.filter { $0.parked == nil }.count) } ?? 1
        let total = kernel?.tasks.count ?? 1
        let last = kernel?.tasks.values.map(\.tid).max() ?? 1
        let avgs = f.count >= 3 ? f[0..<3].joined(separator: " ") : "0.00 0.00 0.00"
        return Array("\(avgs) \(running)/\(total) \(last)\n".utf8)
    }

    static func version(_ kernel: Kernel?) -> [UInt8] {
        if let b = HostProcFile.read("/proc/version") { return b }
        guard let uts = kernel?.uts else { return Array("Linux version 6.1.0\n".utf8) }
        return Array("Linux version \(String(decoding: uts.release, as: UTF8.self)) (husk) \(String(decoding: uts.version, as: UTF8.self))\n".utf8)
    }

    /// A fresh random UUID (version 4), as /proc/sys/kernel/random/uuid gives.
    static func uuid() -> String {
        var rng = SystemRandomNumberGenerator()
        var b = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        let hex = b.map { let s = String($0, radix: 16); return s.count == 1 ? "0" + s : s }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-" + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }
    /// One boot id for the sandbox's lifetime.
    nonisolated(unsafe) static let bootID: String = uuid()
}

/// The per-process files of /proc/PID.
enum ProcPid {
    /// The program's pid for a host pid of the Sentry's namespace (0 outside the sandbox).
    static func sandboxPID(_ kernel: Kernel, _ host: Int64) -> Int64 {
        if host <= 0 { return host == 0 ? 0 : -1 }
        if let g = kernel.threadGroups[HostTID(host)] { return Int64(g.pid) }
        if let t = kernel.tasks[HostTID(host)] { return Int64(t.tid) }
        return 0
    }

    /// The state letter a reader sees: itself running, a task parked in the Sentry sleeping,
    /// a task stopped while the Sentry serves it running; other host states as they are.
    static func stateLetter(_ t: Task, reader: Task?, host: UInt8?) -> UInt8 {
        if let reader, reader.group === t.group { return UInt8(ascii: "R") }
        if t.kernel.ptrace.link(t)?.stopCode != nil { return UInt8(ascii: "t") }
        if t.jobStopped { return UInt8(ascii: "T") }
        if t.parked != nil { return UInt8(ascii: "S") }
        guard let host else { return UInt8(ascii: "R") }
        if host == UInt8(ascii: "t") { return UInt8(ascii: "R") }
        return host
    }

    static func stateName(_ letter: UInt8) -> String {
        switch letter {
        case UInt8(ascii: "R"): return "R (running)"
        case UInt8(ascii: "S"): return "S (sleeping)"
        case UInt8(ascii: "D"): return "D (disk sleep)"
        case UInt8(ascii: "T"): return "T (stopped)"
        case UInt8(ascii: "t"): return "t (tracing stop)"
        case UInt8(ascii: "Z"): return "Z (zombie)"
        case UInt8(ascii: "X"): return "X (dead)"
        default: return "I (idle)"
        }
    }

    /// /proc/PID/stat: the host's line with the program's ids, name and state.
    static func stat(_ t: Task, reader: Task?, wholeProcess: Bool) throws(Errno) -> [UInt8] {
        let k = t.kernel
        let g = t.group
        let hostID = wholeProcess ? g.hostTGID : t.hostTID
        var rest: [Substring] = []
        if let bytes = HostProcFile.read("/proc/\(hostID)/stat"), let close = bytes.lastIndex(of: UInt8(ascii: ")")) {
            rest = String(decoding: bytes[(close + 1)...], as: UTF8.self).split(separator: " ")
        }
        // rest[0] is field 3 (state); pad a missing line with zeros.
        while rest.count < 50 { rest.append("0") }
        let hostState = rest[0].utf8.first
        let state = stateLetter(t, reader: reader, host: hostState)
        let pid = wholeProcess ? g.pid : t.tid
        let ppid = Int64(g.parent?.pid ?? 0)
        var fields: [String] = ["\(pid)", "(\(String(decoding: t.comm, as: UTF8.self)))", String(UnicodeScalar(state))]
        fields.append("\(ppid)")
        fields.append("\(sandboxPID(k, Int64(rest[2]) ?? 0))")   // pgrp
        fields.append("\(sandboxPID(k, Int64(rest[3]) ?? 0))")   // session
        // tty_nr and tpgid: the controlling terminal is the Sentry's (TTY/Terminal.swift).
        let tty = k.vfs.devpts.controllingTerminal(of: t)
        fields.append("\(tty.map { Int64(136 << 8) | Int64($0.index & 0xff) | Int64($0.index & ~0xff) << 12 } ?? 0)")
        fields.append("\(tty?.foreground.map { Int64($0) } ?? -1)")
        for i in 6..<rest.count { fields.append(String(rest[i].trimmingWhitespace())) }
        fields[17] = "\(20 + t.nice)"   // priority and nice as setpriority left them
        fields[18] = "\(t.nice)"
        return Array((fields.joined(separator: " ") + "\n").utf8)
    }

    /// /proc/PID/status: the Sentry's facts (name, ids, credentials, threads) and the host's
    /// for memory, signals and CPUs.
    static func status(_ t: Task, reader: Task?) throws(Errno) -> [UInt8] {
        let g = t.group
        let k = t.kernel
        let c = t.creds
        let hostLines = HostProcFile.lines("/proc/\(t.hostTID)/status")
        var hostState: UInt8?
        for l in hostLines where l.hasPrefix("State:") { hostState = l.dropFirst(6).trimmingWhitespace().utf8.first }
        let state = stateLetter(t, reader: reader, host: hostState)
        var pgid: Int64 = 0, sid: Int64 = 0
        if let bytes = HostProcFile.read("/proc/\(t.hostTID)/stat"), let close = bytes.lastIndex(of: UInt8(ascii: ")")) {
            let rest = String(decoding: bytes[(close + 1)...], as: UTF8.self).split(separator: " ")
            if rest.count > 3 { pgid = sandboxPID(k, Int64(rest[2]) ?? 0); sid = sandboxPID(k, Int64(rest[3]) ?? 0) }
        }
        var fdSize = 64
        while fdSize < (t.fdTable.openFDs.last.map { Int($0) + 1 } ?? 0) { fdSize *= 2 }
        func hex(_ v: UInt64) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: max(0, 16 - s.count)) + s }
        let ours: [(String, String)] = [
            ("Name", String(decoding: t.comm, as: UTF8.self)),
            ("Umask", "0" + String(String(t.fs.umask, radix: 8).suffix(3)).leftPadded(to: 3)),
            ("State", stateName(state)),
            ("Tgid", "\(g.pid)"), ("Ngid", "0"), ("Pid", "\(t.tid)"), ("PPid", "\(g.parent?.pid ?? 0)"),
            ("TracerPid", "\(k.tracerPID(t))"),
            ("Uid", "\(c.uid)\t\(c.euid)\t\(c.suid)\t\(c.fsuid)"),
            ("Gid", "\(c.gid)\t\(c.egid)\t\(c.sgid)\t\(c.fsgid)"),
            ("FDSize", "\(fdSize)"),
            ("Groups", c.groups.map(String.init).joined(separator: " ") + (c.groups.isEmpty ? "" : " ")),
            ("NStgid", "\(g.pid)"), ("NSpid", "\(t.tid)"), ("NSpgid", "\(pgid)"), ("NSsid", "\(sid)"),
        ]
        let replaced: [String: String] = [
            "Threads": "\(g.threads.count)",
            "CapInh": hex(c.inheritable), "CapPrm": hex(c.permitted), "CapEff": hex(c.effective),
            "CapBnd": hex(c.bounding), "CapAmb": hex(0),
            "Seccomp": "\(t.seccomp.mode)", "Seccomp_filters": "\(t.seccomp.mode == 2 ? t.seccomp.filters.count : 0)", "TracerPid": "\(k.tracerPID(t))",
        ]
        var out = ""
        for (key, value) in ours { out += "\(key):\t\(value)\n" }
        let oursKeys = Set(ours.map(\.0))
        for line in hostLines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            if oursKeys.contains(key) || key == "Kthread" { continue }
            if let v = replaced[key] { out += "\(key):\t\(v)\n" } else { out += line; out += "\n" }
        }
        if hostLines.isEmpty { out += "Threads:\t\(g.threads.count)\n" }
        return Array(out.utf8)
    }

    /// /proc/PID/limits from the process's recorded rlimits.
    static func limits(_ g: ThreadGroup?) -> [UInt8] {
        let rows: [(String, String)] = [
            ("Max cpu time", "seconds"), ("Max file size", "bytes"), ("Max data size", "bytes"),
            ("Max stack size", "bytes"), ("Max core file size", "bytes"), ("Max resident set", "bytes"),
            ("Max processes", "processes"), ("Max open files", "files"), ("Max locked memory", "bytes"),
            ("Max address space", "bytes"), ("Max file locks", "locks"), ("Max pending signals", "signals"),
            ("Max msgqueue size", "bytes"), ("Max nice priority", ""), ("Max realtime priority", ""),
            ("Max realtime timeout", "us"),
        ]
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func value(_ v: UInt64) -> String { v == ResourceLimits.infinity ? "unlimited" : "\(v)" }
        var out = pad("Limit", 25) + " " + pad("Soft Limit", 20) + " " + pad("Hard Limit", 20) + " " + pad("Units", 10) + "\n"
        let limits = g?.rlimits.limits ?? ResourceLimits().limits
        for (i, row) in rows.enumerated() {
            let l: (soft: UInt64, hard: UInt64) = i < limits.count ? limits[i] : (ResourceLimits.infinity, ResourceLimits.infinity)
            out += pad(row.0, 25) + " " + pad(value(l.soft), 20) + " " + pad(value(l.hard), 20) + " "
            out += row.1.isEmpty ? "\n" : pad(row.1, 10) + "\n"
        }
        return Array(out.utf8)
    }

    /// /proc/PID/maps: the host's view of the task's mappings, with host names rewritten:
    /// tmpfs memfds become their sandbox paths, the Platform's stub and filter images anonymous.
    static func maps(_ t: Task, reader: Task?) throws(Errno) -> [UInt8] {
        guard let bytes = HostProcFile.read("/proc/\(t.hostTID)/maps") else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for line in bytes.split(separator: 0x0A) {
            // addr perms offset dev inode [path]: the path starts after the fifth field's spaces.
            var fieldsSeen = 0, i = line.startIndex
            while i < line.endIndex && fieldsSeen < 5 {
                while i < line.endIndex && line[i] != 0x20 { i += 1 }
                fieldsSeen += 1
                while i < line.endIndex && line[i] == 0x20 { i += 1 }
            }
            let path = Array(line[i...])
            if path.starts(with: Array("/memfd:husk-".utf8)) {
                let head = Array(line[..<i])
                let ino = UInt64(String(decoding: line.split(separator: 0x20, omittingEmptySubsequences: true).dropFirst(4).first ?? [], as: UTF8.self)) ?? 0
                if path.starts(with: Array("/memfd:husk-tmpfs".utf8)), let name = t.kernel.vfs.memfdPaths.sandboxPath(hostIno: ino) {
                    out.append(contentsOf: head); out.append(contentsOf: name)
                } else {
                    // An anonymous mapping: device 00:00, inode 0, no path.
                    let cols = line.split(separator: 0x20, omittingEmptySubsequences: true)
                    if cols.count >= 3 {
                        out.append(contentsOf: cols[0]); out.append(0x20); out.append(contentsOf: cols[1]); out.append(0x20)
                        out.append(contentsOf: cols[2]); out.append(contentsOf: Array(" 00:00 0 ".utf8))
                    }
                }
            } else {
                out.append(contentsOf: line)
            }
            out.append(0x0A)
        }
        return out
    }

    /// The mounts as /proc/PID/mounts shows them.
    static func mounts(_ reader: Task?) -> [UInt8] {
        guard let vfs = reader?.kernel.vfs else { return [] }
        var out = ""
        for m in vfs.mountTable { out += "\(m.source) \(m.path) \(m.type) \(m.options) 0 0\n" }
        return Array(out.utf8)
    }

    /// /proc/PID/mountinfo: one line per mount, parents found by path prefix.
    static func mountinfo(_ reader: Task?) -> [UInt8] {
        guard let vfs = reader?.kernel.vfs else { return [] }
        let table = vfs.mountTable
        var out = ""
        for (i, m) in table.enumerated() {
            var parent = i == 0 ? 1 : table[0].id
            var best = 0
            for (j, p) in table.enumerated() where j != i && j < i {
                let prefix = p.path == "/" ? "/" : p.path + "/"
                // The latest mount at the same path is stacked on the earlier one.
                if (m.path.hasPrefix(prefix) || m.path == p.path) && prefix.count >= best { best = prefix.count; parent = p.id }
            }
            let opts = m.options.split(separator: ",")
            let mountOpts = opts.filter { ["rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime"].contains(String($0)) }
            // The superblock's options: ro/rw and the filesystem's own (size=, mode=...).
            let perMount: Set<Substring> = ["rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime", "nodiratime", "strictatime", "nosymfollow"]
            let superOpts = ([m.options.hasPrefix("ro") ? "ro" : "rw"] + opts.filter { !perMount.contains($0) }.map(String.init)).joined(separator: ",")
            out += "\(m.id) \(parent) 0:\(9 + m.id) / \(m.path) \(mountOpts.joined(separator: ",")) - \(m.type) \(m.source) \(superOpts)\n"
        }
        return Array(out.utf8)
    }

    /// The mountinfo id of the mount holding `d` in `vfs` (fdinfo's mnt_id).
    static func mountID(_ d: Dentry?, in vfs: VFS?) -> Int {
        guard let d, let vfs else { return 21 }
        let path = String(decoding: VFS.absolutePath(d), as: UTF8.self)
        if let e = vfs.mountEntry(holding: d) { return e.id }
        var best = 0, id = vfs.mountTable.first?.id ?? 21
        for m in vfs.mountTable {
            let prefix = m.path == "/" ? "/" : m.path
            if (path == prefix || path.hasPrefix(prefix == "/" ? "/" : prefix + "/")) && prefix.count >= best { best = prefix.count; id = m.id }
        }
        return id
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// /proc/sys: the sysctls programs read (and root may write where Linux allows).
enum ProcSys {
    static func make(_ root: ProcRoot) -> StaticDirectory {
        let dev = root.device
        func dir(_ entries: [(String, Inode)]) -> StaticDirectory {
            let d = StaticDirectory(device: dev, magic: ProcRoot.magic, mode: 0o555)
            for (n, i) in entries { d.add(n, i) }
            return d
        }
        func fixed(_ s: String) -> GeneratedFile { GeneratedFile(device: dev) { _ in Array((s + "\n").utf8) } }
        func host(_ path: String, _ fallback: String) -> GeneratedFile {
            GeneratedFile(device: dev) { _ in HostProcFile.read(path) ?? Array((fallback + "\n").utf8) }
        }
        weak let r = root
        let hostname = ProcSysctlString(get: { r?.kernel?.uts.hostname ?? Array("husk".utf8) },
                                        set: { v in r?.kernel?.uts.hostname = v }, device: dev)
        let domainname = ProcSysctlString(get: { r?.kernel?.uts.domainname ?? Array("(none)".utf8) },
                                          set: { v in r?.kernel?.uts.domainname = v }, device: dev)
        let kernel = dir([
            ("hostname", hostname), ("domainname", domainname),
            ("ostype", fixed("Linux")),
            ("osrelease", GeneratedFile(device: dev) { _ in (r?.kernel?.uts.release ?? []) + [0x0A] }),
            ("version", GeneratedFile(device: dev) { _ in (r?.kernel?.uts.version ?? []) + [0x0A] }),
            ("pid_max", host("/proc/sys/kernel/pid_max", "4194304")),
            ("threads-max", host("/proc/sys/kernel/threads-max", "126838")),
            ("ngroups_max", fixed("65536")),
            ("cap_last_cap", fixed("\(Credentials.lastCapability)")),
            ("overflowuid", fixed("65534")), ("overflowgid", fixed("65534")),
            ("random", dir([
                ("boot_id", GeneratedFile(device: dev) { _ in Array((ProcGlobal.bootID + "\n").utf8) }),
                ("uuid", GeneratedFile(device: dev) { _ in Array((ProcGlobal.uuid() + "\n").utf8) }),
                ("entropy_avail", fixed("256")), ("poolsize", fixed("256")),
            ])),
        ] + IPCProcFiles.sysctls(root))
        let vm = dir([
            ("overcommit_memory", host("/proc/sys/vm/overcommit_memory", "0")),
            ("max_map_count", host("/proc/sys/vm/max_map_count", "65530")),
        ])
        let fs = dir([
            ("pipe-max-size", GeneratedFile(device: dev) { _ in Array("\(r?.kernel?.pipeLimits.maxSize ?? PipeLimits.defaultMaxSize)\n".utf8) }),
            ("pipe-user-pages-soft", GeneratedFile(device: dev) { _ in
                Array("\(r?.kernel?.pipeLimits.userPagesSoft ?? PipeLimits.defaultUserPagesSoft)\n".utf8) }),
            ("pipe-user-pages-hard", GeneratedFile(device: dev) { _ in
                Array("\(r?.kernel?.pipeLimits.userPagesHard ?? PipeLimits.defaultUserPagesHard)\n".utf8) }),
            ("nr_open", fixed("1048576")),
            ("suid_dumpable", fixed("\(Dumpable.suidDumpable)")),
            ("file-max", host("/proc/sys/fs/file-max", "9223372036854775807")),
            ("mqueue", IPCProcFiles.mqueueDirectory(root)),
            ("inotify", dir([
                ("max_queued_events", fixed("\(InotifyFile.maxQueuedEvents)")),
                ("max_user_instances", fixed("\(InotifyInstances.maxPerUser)")),
                ("max_user_watches", fixed("\(InotifyFile.maxWatches)")),
            ])),
        ])
        return dir([("kernel", kernel), ("vm", vm), ("fs", fs)])
    }
}

/// A string sysctl (hostname, domainname): world-readable, writable by root with
/// CAP_SYS_ADMIN; a write stops at the first newline, as proc_dostring does.
final class ProcSysctlString: SyntheticInode {
    let get: () -> [UInt8]
    let set: ([UInt8]) -> Void
    init(get: @escaping () -> [UInt8], set: @escaping ([UInt8]) -> Void, device: SyntheticDevice) {
        self.get = get; self.set = set
        super.init(mode: FileType.regular | 0o644, device: device)
    }
    override var readOnly: Bool { false }
    override func setAttributes(_ change: AttributeChange) throws(Errno) {
        if change.mode != nil || change.uid != nil || change.gid != nil { throw .notPermitted }
    }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        let set = self.set
        // proc_dostring reads the C string: up to a NUL that setdomainname/sethostname stored.
        return ProcWritableFile(dentry, flags: request.flags, contents: get().prefix { $0 != 0 } + [0x0A]) { (writer: Task, bytes: [UInt8]) throws(Errno) in
            if !writer.creds.has(Capability.sysAdmin) { throw .notPermitted }
            let v = Array(bytes.prefix { $0 != 0x0A && $0 != 0 }.prefix(64))
            set(v)
        }
    }
}

/// /sys, minimal: the CPU lists programs read and an empty /sys/fs/cgroup.
public enum SysFS {
    static let magic: Int64 = 0x6265_6572

    /// The /sys of a namespace, its nodes numbered on `device` (the namespace's sysfs).
    public static func makeRoot(device: SyntheticDevice) -> StaticDirectory {
        let dev = device
        func dir(_ entries: [(String, Inode)]) -> StaticDirectory {
            let d = StaticDirectory(device: dev, magic: magic, mode: 0o555)
            for (n, i) in entries { d.add(n, i) }
            return d
        }
        /// The CPUs the reader may use (online), and every CPU the host has (possible, present).
        func cpus(_ reader: Task?, all: Bool) -> [UInt8] {
            var set: Set<Int> = []
            if all {
                for line in HostProcFile.lines("/proc/stat") where line.hasPrefix("cpu") && !line.hasPrefix("cpu ") {
                    if let n = Int(line.dropFirst(3).prefix { $0 != " " }) { set.insert(n) }
                }
            } else if let t = reader, let s = HostProcFile.allowedCPUs(t.hostTID) {
                set = s
            }
            if set.isEmpty { set = [0] }
            return Array((HostProcFile.formatCPUList(set) + "\n").utf8)
        }
        let cpu = dir([
            ("online", GeneratedFile(device: dev) { t in cpus(t, all: false) }),
            ("possible", GeneratedFile(device: dev) { t in cpus(t, all: true) }),
            ("present", GeneratedFile(device: dev) { t in cpus(t, all: true) }),
        ])
        let devices = dir([("system", dir([("cpu", cpu)]))])
        let fs = dir([("cgroup", dir([]))])
        return dir([("devices", devices), ("fs", fs), ("kernel", dir([]))])
    }
}

/// /proc/net: the inet tables and dev are the host's view of the Sentry's network namespace,
/// which is the sandbox's (/proc/self/net of the Sentry, read at each open); unix lists the
/// Sentry's own bound unix sockets.
enum ProcNet {
    static func directory(_ root: ProcRoot) -> StaticDirectory {
        let dev = root.device
        let d = StaticDirectory(device: dev, magic: ProcRoot.magic, mode: 0o555)
        for name in ["tcp", "tcp6", "udp", "udp6", "dev", "snmp", "netstat", "if_inet6", "route", "raw", "raw6", "sockstat", "sockstat6"] {
            d.add(name, GeneratedFile(device: dev) { _ in HostProcFile.read("/proc/self/net/" + name) ?? [] })
        }
        d.add("unix", GeneratedFile(device: dev) { [unowned root] t in unix((t?.kernel ?? root.kernel)?.network) })
        return d
    }

    /// unix_seq_show's format for the namespace's bound sockets (an unbound socket, which Linux
    /// also lists, is not tracked by name here).
    static func unix(_ net: NetworkNamespace?) -> [UInt8] {
        var out = "Num       RefCount Protocol Flags    Type St Inode Path\n"
        guard let net else { return Array(out.utf8) }
        var sockets: [UnixSocketFile] = []
        for w in net.abstractNames.values { if let s = w.socket { sockets.append(s) } }
        for w in net.pathSockets.values { if let s = w.socket { sockets.append(s) } }
        func hex(_ v: UInt64, _ width: Int) -> String {
            let h = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, width - h.count)) + h
        }
        for s in sockets.sorted(by: { $0.ino < $1.ino }) {
            let flags: UInt64 = s.listening ? 0x10000 : 0
            let state: UInt64 = s.connected ? 3 : 1
            var path = ""
            if let a = s.address, a.count > 2 {
                if a[2] == 0 { path = " @" + String(decoding: a[3...], as: UTF8.self) }
                else { path = " " + String(decoding: a[2...].prefix { $0 != 0 }, as: UTF8.self) }
            }
            out += "0000000000000000: 00000002 00000000 \(hex(flags, 8)) \(hex(UInt64(s.type), 4)) \(hex(state, 2)) \(String(s.ino).leftPadded(5))\(path)\n"
        }
        return Array(out.utf8)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
