import LinuxABI
import SystemPackage

/// Credentials kept by the Sentry: the program's ids and capabilities inside the sandbox. The
/// host never sees them change (every task runs as the Sentry's unprivileged host identity with
/// no capabilities); the Sentry's permission checks use them.
enum SysCreds {
    static let unchanged = UInt32.max   // (uid_t)-1

    /// getuid(2).
    static func getuid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { .value(Int64(t.creds.uid)) }

    /// geteuid(2).
    static func geteuid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { .value(Int64(t.creds.euid)) }

    /// getgid(2).
    static func getgid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { .value(Int64(t.creds.gid)) }

    /// getegid(2).
    static func getegid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { .value(Int64(t.creds.egid)) }

    /// getresuid(2).
    static func getresuid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do {
            try t.copyOutValue(a[0], t.creds.uid)
            try t.copyOutValue(a[1], t.creds.euid)
            try t.copyOutValue(a[2], t.creds.suid)
        } catch { return .error(error) }
        return .zero
    }

    /// getresgid(2).
    static func getresgid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do {
            try t.copyOutValue(a[0], t.creds.gid)
            try t.copyOutValue(a[1], t.creds.egid)
            try t.copyOutValue(a[2], t.creds.sgid)
        } catch { return .error(error) }
        return .zero
    }

    /// getgroups(2).
    static func getgroups(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let size = a.int(0)
        let groups = t.creds.groups
        if size < 0 { return .error(.invalidArgument) }
        if size == 0 { return .ok(groups.count) }
        if Int(size) < groups.count { return .error(.invalidArgument) }
        var bytes: [UInt8] = []
        for g in groups { withUnsafeBytes(of: g.littleEndian) { bytes.append(contentsOf: $0) } }
        do { try t.copyOut(a[1], bytes) } catch { return .error(error) }
        return .ok(groups.count)
    }

    /// setuid(2).
    static func setuid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let uid = a.uint(0)
        if uid == unchanged { return .error(.invalidArgument) }
        var c = t.creds
        if c.has(Capability.setuid) {
            c.uid = uid; c.euid = uid; c.suid = uid
        } else if uid == c.uid || uid == c.suid {
            c.euid = uid
        } else { return .error(.notPermitted) }
        c.fsuid = c.euid
        commitUIDs(t, c)
        return .zero
    }

    /// setgid(2).
    static func setgid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let gid = a.uint(0)
        if gid == unchanged { return .error(.invalidArgument) }
        var c = t.creds
        if c.has(Capability.setgid) {
            c.gid = gid; c.egid = gid; c.sgid = gid
        } else if gid == c.gid || gid == c.sgid {
            c.egid = gid
        } else { return .error(.notPermitted) }
        c.fsgid = c.egid
        t.creds = c
        return .zero
    }

    /// setreuid(2).
    static func setreuid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let r = a.uint(0), e = a.uint(1)
        var c = t.creds
        let old = c
        let privileged = c.has(Capability.setuid)
        if r != unchanged {
            guard privileged || r == old.uid || r == old.euid else { return .error(.notPermitted) }
            c.uid = r
        }
        if e != unchanged {
            guard privileged || e == old.uid || e == old.euid || e == old.suid else { return .error(.notPermitted) }
            c.euid = e
        }
        if r != unchanged || (e != unchanged && e != old.uid) { c.suid = c.euid }
        c.fsuid = c.euid
        commitUIDs(t, c)
        return .zero
    }

    /// setregid(2).
    static func setregid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let r = a.uint(0), e = a.uint(1)
        var c = t.creds
        let old = c
        let privileged = c.has(Capability.setgid)
        if r != unchanged {
            guard privileged || r == old.gid || r == old.egid else { return .error(.notPermitted) }
            c.gid = r
        }
        if e != unchanged {
            guard privileged || e == old.gid || e == old.egid || e == old.sgid else { return .error(.notPermitted) }
            c.egid = e
        }
        if r != unchanged || (e != unchanged && e != old.gid) { c.sgid = c.egid }
        c.fsgid = c.egid
        t.creds = c
        return .zero
    }

    /// setresuid(2).
    static func setresuid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let ids = [a.uint(0), a.uint(1), a.uint(2)]
        var c = t.creds
        let current = [c.uid, c.euid, c.suid]
        if !c.has(Capability.setuid) {
            for id in ids where id != unchanged && !current.contains(id) { return .error(.notPermitted) }
        }
        if ids[0] != unchanged { c.uid = ids[0] }
        if ids[1] != unchanged { c.euid = ids[1] }
        if ids[2] != unchanged { c.suid = ids[2] }
        c.fsuid = c.euid
        commitUIDs(t, c)
        return .zero
    }

    /// setresgid(2).
    static func setresgid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let ids = [a.uint(0), a.uint(1), a.uint(2)]
        var c = t.creds
        let current = [c.gid, c.egid, c.sgid]
        if !c.has(Capability.setgid) {
            for id in ids where id != unchanged && !current.contains(id) { return .error(.notPermitted) }
        }
        if ids[0] != unchanged { c.gid = ids[0] }
        if ids[1] != unchanged { c.egid = ids[1] }
        if ids[2] != unchanged { c.sgid = ids[2] }
        c.fsgid = c.egid
        t.creds = c
        return .zero
    }

    /// setfsuid(2): always returns the previous fsuid.
    static func setfsuid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let id = a.uint(0)
        var c = t.creds
        let old = c.fsuid
        if id != unchanged && (c.has(Capability.setuid) || [c.uid, c.euid, c.suid, c.fsuid].contains(id)) {
            c.fsuid = id
            // Leaving fsuid 0 drops the file capabilities from the effective set, as Linux.
            if old == 0 && id != 0 { c.effective &= ~fileCapabilities }
            else if old != 0 && id == 0 { c.effective |= c.permitted & fileCapabilities }
            t.creds = c
        }
        return .value(Int64(old))
    }

    /// setfsgid(2).
    static func setfsgid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let id = a.uint(0)
        var c = t.creds
        let old = c.fsgid
        if id != unchanged && (c.has(Capability.setgid) || [c.gid, c.egid, c.sgid, c.fsgid].contains(id)) {
            c.fsgid = id
            t.creds = c
        }
        return .value(Int64(old))
    }

    /// setgroups(2).
    static func setgroups(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let n = a.int(0)
        guard n >= 0 && n <= 65536 else { return .error(.invalidArgument) }
        guard t.creds.has(Capability.setgid) else { return .error(.notPermitted) }
        do {
            let bytes = try t.copyInBytes(a[1], count: Int(n) * 4)
            var groups: [UInt32] = []
            groups.reserveCapacity(Int(n))
            for i in 0..<Int(n) {
                groups.append(UInt32(bytes[i * 4]) | UInt32(bytes[i * 4 + 1]) << 8 | UInt32(bytes[i * 4 + 2]) << 16 | UInt32(bytes[i * 4 + 3]) << 24)
            }
            t.creds.groups = groups.sorted()
        } catch { return .error(error) }
        return .zero
    }

    /// Capabilities a change of fsuid away from 0 removes (CAP_FS_MASK).
    static let fileCapabilities: UInt64 = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 9) | (1 << 27)

    /// Applies uid changes with the capability rules of capabilities(7).
    static func commitUIDs(_ t: Task, _ new: Credentials) {
        var c = new
        let old = t.creds
        let hadRoot = old.uid == 0 || old.euid == 0 || old.suid == 0
        let hasRoot = c.uid == 0 || c.euid == 0 || c.suid == 0
        if hadRoot && !hasRoot && !c.keepCapabilities {
            c.permitted = 0; c.effective = 0
        }
        if old.euid == 0 && c.euid != 0 { c.effective = 0 }
        if old.euid != 0 && c.euid == 0 { c.effective = c.permitted }
        if old.fsuid == 0 && c.fsuid != 0 { c.effective &= ~fileCapabilities }
        t.creds = c
    }

    static let version1: UInt32 = 0x1998_0330
    static let version2: UInt32 = 0x2007_1026
    static let version3: UInt32 = 0x2008_0522

    /// capget(2).
    static func capget(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do {
            let version = try t.copyInValue(a[0], as: UInt32.self)
            let pid = try t.copyInValue(a[0] &+ 4, as: Int32.self)
            guard version == version1 || version == version2 || version == version3 else {
                try t.copyOutValue(a[0], version3)
                return a[1] == 0 ? .zero : .error(.invalidArgument)
            }
            if pid < 0 { return .error(.invalidArgument) }
            var c = t.creds
            if pid != 0 && pid != t.tid {
                guard let target = t.kernel.tasks.values.first(where: { $0.tid == pid }) else { return .error(.noSuchProcess) }
                c = target.creds
            }
            if a[1] == 0 { return .zero }
            let words = version == version1 ? 1 : 2
            var out: [UInt8] = []
            for w in 0..<words {
                for set in [c.effective, c.permitted, c.inheritable] {
                    let v = UInt32(truncatingIfNeeded: set >> UInt64(32 * w))
                    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
                }
            }
            try t.copyOut(a[1], out)
            return .zero
        } catch { return .error(error) }
    }

    /// capset(2): only on the caller; new sets within Linux's bounds.
    static func capset(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do {
            let version = try t.copyInValue(a[0], as: UInt32.self)
            let pid = try t.copyInValue(a[0] &+ 4, as: Int32.self)
            guard version == version1 || version == version2 || version == version3 else {
                try t.copyOutValue(a[0], version3)
                return .error(.invalidArgument)
            }
            if pid != 0 && pid != t.tid { return .error(.notPermitted) }
            let words = version == version1 ? 1 : 2
            let raw = try t.copyInBytes(a[1], count: words * 12)
            func word(_ i: Int) -> UInt64 {
                UInt64(UInt32(raw[i * 4]) | UInt32(raw[i * 4 + 1]) << 8 | UInt32(raw[i * 4 + 2]) << 16 | UInt32(raw[i * 4 + 3]) << 24)
            }
            var effective: UInt64 = 0, permitted: UInt64 = 0, inheritable: UInt64 = 0
            for w in 0..<words {
                effective |= word(w * 3) << UInt64(32 * w)
                permitted |= word(w * 3 + 1) << UInt64(32 * w)
                inheritable |= word(w * 3 + 2) << UInt64(32 * w)
            }
            var c = t.creds
            // No new permitted bits; effective within permitted; inheritable within the old
            // inheritable and permitted sets (or the bounding set with CAP_SETPCAP).
            if permitted & ~c.permitted != 0 { return .error(.notPermitted) }
            if effective & ~permitted != 0 { return .error(.notPermitted) }
            let inheritableLimit = c.has(Capability.setpcap) ? (c.inheritable | c.bounding) : (c.inheritable | c.permitted)
            if inheritable & ~inheritableLimit != 0 { return .error(.notPermitted) }
            c.effective = effective; c.permitted = permitted; c.inheritable = inheritable
            t.creds = c
            return .zero
        } catch { return .error(error) }
    }
}
