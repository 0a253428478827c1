import CHusk
import Glibc
import LinuxABI
import SystemPackage

/// Identity, limits, system information and task attributes.
enum SysMisc {
    static func install(into t: inout SyscallTable) {
        t.register(SyscallNumber.uname, uname)
        t.register(SyscallNumber.sethostname, sethostname)
        t.register(SyscallNumber.getuid) { t, _ in .value(Int64(t.creds.uid)) }
        t.register(SyscallNumber.geteuid) { t, _ in .value(Int64(t.creds.euid)) }
        t.register(SyscallNumber.getgid) { t, _ in .value(Int64(t.creds.gid)) }
        t.register(SyscallNumber.getegid) { t, _ in .value(Int64(t.creds.egid)) }
        t.register(SyscallNumber.getresuid, getresuid)
        t.register(SyscallNumber.getresgid, getresgid)
        t.register(SyscallNumber.getgroups, getgroups)
        t.register(SyscallNumber.getrlimit, getrlimit)
        t.register(SyscallNumber.setrlimit, setrlimit)
        t.register(SyscallNumber.prlimit64, prlimit64)
        t.register(SyscallNumber.sysinfo, sysinfo)
        t.register(SyscallNumber.getrandom, getrandom)
        t.register(SyscallNumber.prctl, prctl)
        t.register(SyscallNumber.rt_sigaction, rtSigaction)
    }

    /// uname(2).
    static func uname(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let uts = t.kernel.uts
        let u = UTSName(sysname: "Linux", nodename: String(decoding: uts.hostname, as: UTF8.self),
                        release: String(decoding: uts.release, as: UTF8.self),
                        version: String(decoding: uts.version, as: UTF8.self), machine: "x86_64",
                        domainname: String(decoding: uts.domainname, as: UTF8.self))
        do { try t.copyOutStruct(a[0], u) } catch { return .error(error) }
        return .zero
    }

    /// sethostname(2): the sandbox's own UTS namespace; needs CAP_SYS_ADMIN (root inside).
    static func sethostname(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let length = Int64(bitPattern: a[1])
        guard length >= 0 && length <= 64 else { return .error(.invalidArgument) }
        guard t.creds.has(Capability.sysAdmin) else { return .error(.notPermitted) }
        do { t.kernel.uts.hostname = try t.copyInBytes(a[0], count: Int(length)) } catch { return .error(error) }
        return .zero
    }

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

    /// getrlimit(2).
    static func getrlimit(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let r = a.int(0)
        guard r >= 0 && r < 16 else { return .error(.invalidArgument) }
        let l = t.group.rlimits.limits[Int(r)]
        do { try t.copyOutStruct(a[1], RLimit(rlim_cur: l.soft, rlim_max: l.hard)) } catch { return .error(error) }
        return .zero
    }

    /// setrlimit(2).
    static func setrlimit(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let r = a.int(0)
        guard r >= 0 && r < 16 else { return .error(.invalidArgument) }
        do {
            let new = try t.copyInStruct(a[1], as: RLimit.self)
            if let e = applyLimit(t, Int(r), new) { return .error(e) }
        } catch { return .error(error) }
        return .zero
    }

    /// prlimit64(2): for the caller or another sandbox process.
    static func prlimit64(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let pid = a.int(0), r = a.int(1)
        guard r >= 0 && r < 16 else { return .error(.invalidArgument) }
        let group: ThreadGroup
        if pid == 0 { group = t.group } else {
            guard let g = t.kernel.threadGroup(pid: pid) else { return .error(.noSuchProcess) }
            group = g
        }
        let old = group.rlimits.limits[Int(r)]
        do {
            var new: RLimit?
            if a[2] != 0 { new = try t.copyInStruct(a[2], as: RLimit.self) }
            if let new, let e = applyLimit(t, Int(r), new, group: group) { return .error(e) }
            if a[3] != 0 {
                do { try t.copyOutStruct(a[3], RLimit(rlim_cur: old.soft, rlim_max: old.hard)) } catch {
                    group.rlimits.limits[Int(r)] = old  // undo on a failed copy-out
                    return .error(error)
                }
            }
        } catch { return .error(error) }
        return .zero
    }

    private static func applyLimit(_ t: Task, _ r: Int, _ new: RLimit, group: ThreadGroup? = nil) -> Errno? {
        let g = group ?? t.group
        let old = g.rlimits.limits[r]
        if new.rlim_cur > new.rlim_max { return .invalidArgument }
        if new.rlim_max > old.hard && !t.creds.has(Capability.sysResource) { return .notPermitted }
        if r == Int(Rlimit.RLIMIT_NOFILE) && new.rlim_max > 1_048_576 { return .notPermitted }
        g.rlimits.limits[r] = (new.rlim_cur, new.rlim_max)
        return nil
    }

    /// sysinfo(2): the host's memory figures capped by the sandbox's limit, the sandbox's process count.
    static func sysinfo(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        var host = CHusk.sysinfo()
        _ = withUnsafeMutablePointer(to: &host) { chusk_host_sysinfo($0) }
        var s = SysInfo()
        s.uptime = Int64(host.uptime)
        s.loads = (UInt64(host.loads.0), UInt64(host.loads.1), UInt64(host.loads.2))
        s.totalram = UInt64(host.totalram); s.freeram = UInt64(host.freeram)
        s.sharedram = UInt64(host.sharedram); s.bufferram = UInt64(host.bufferram)
        s.totalswap = UInt64(host.totalswap); s.freeswap = UInt64(host.freeswap)
        s.procs = UInt16(clamping: t.kernel.tasks.count)
        s.mem_unit = host.mem_unit
        if let limit = t.kernel.memory.memoryLimit {
            let units = limit / UInt64(max(host.mem_unit, 1))
            s.totalram = min(s.totalram, units); s.freeram = min(s.freeram, units)
        }
        do { try t.copyOutStruct(a[0], s) } catch { return .error(error) }
        return .zero
    }

    /// getrandom(2): bytes from the host's CSPRNG.
    static func getrandom(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let flags = a.uint(2)
        let known = GetrandomFlags.GRND_NONBLOCK | GetrandomFlags.GRND_RANDOM | GetrandomFlags.GRND_INSECURE
        if flags & ~known != 0 { return .error(.invalidArgument) }
        if flags & GetrandomFlags.GRND_RANDOM != 0 && flags & GetrandomFlags.GRND_INSECURE != 0 { return .error(.invalidArgument) }
        let count = min(a.size(1), 33_554_431)
        if count == 0 { return .zero }
        let chunk = min(count, 1 << 16)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 8)
        defer { buffer.deallocate() }
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
            if chusk_random_bytes(part.baseAddress, n, 0) != n { return done > 0 ? .ok(done) : .error(.ioError) }
            do { try t.copyOut(a[0] &+ UInt64(done), UnsafeRawBufferPointer(part)) } catch {
                return done > 0 ? .ok(done) : .error(error)
            }
            done += n
        }
        return .ok(done)
    }

    /// prctl(2): the options a program may use on itself inside the sandbox.
    static func prctl(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        switch a.int(0) {
        case Prctl.PR_SET_NAME:
            do {
                let name = try t.copyInBytes(a[1], count: 16)
                t.group.name = Array(name.prefix { $0 != 0 }.prefix(15))
            } catch { return .error(error) }
            return .zero
        case Prctl.PR_GET_NAME:
            var out = t.group.name
            out.append(contentsOf: repeatElement(0, count: 16 - out.count))
            do { try t.copyOut(a[1], out) } catch { return .error(error) }
            return .zero
        case Prctl.PR_GET_DUMPABLE:
            return .value(1)
        case Prctl.PR_SET_DUMPABLE:
            return a[1] <= 1 ? .zero : .error(.invalidArgument)
        case Prctl.PR_SET_PDEATHSIG:
            guard a[1] <= 64 else { return .error(.invalidArgument) }
            t.parentDeathSignal = Int32(a[1])
            return .zero
        case Prctl.PR_GET_PDEATHSIG:
            do { try t.copyOutValue(a[1], t.parentDeathSignal) } catch { return .error(error) }
            return .zero
        case Prctl.PR_SET_NO_NEW_PRIVS:
            // Every task already runs with no_new_privs on the host; setting it again is a no-op.
            return a[1] == 1 && a[2] == 0 && a[3] == 0 && a[4] == 0 ? .zero : .error(.invalidArgument)
        case Prctl.PR_GET_NO_NEW_PRIVS:
            return .value(1)
        case Prctl.PR_CAPBSET_READ:
            guard a[1] <= UInt64(Credentials.lastCapability) else { return .error(.invalidArgument) }
            return .value(t.creds.bounding & (UInt64(1) << a[1]) != 0 ? 1 : 0)
        case Prctl.PR_CAPBSET_DROP:
            guard a[1] <= UInt64(Credentials.lastCapability) else { return .error(.invalidArgument) }
            guard t.creds.has(Capability.setpcap) else { return .error(.notPermitted) }
            t.creds.bounding &= ~(UInt64(1) << a[1])
            return .zero
        case Prctl.PR_GET_KEEPCAPS:
            return .value(t.creds.keepCapabilities ? 1 : 0)
        case Prctl.PR_SET_KEEPCAPS:
            guard a[1] <= 1 else { return .error(.invalidArgument) }
            t.creds.keepCapabilities = a[1] == 1
            return .zero
        case Prctl.PR_SET_CHILD_SUBREAPER, Prctl.PR_GET_CHILD_SUBREAPER:
            return .error(.invalidArgument)
        default:
            return .error(.invalidArgument)
        }
    }

    /// rt_sigaction(2): recorded for the Sentry's signal bookkeeping, then run natively so the
    /// host delivers the signal to the handler.
    static func rtSigaction(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let sig = a.int(0)
        guard sig >= 1 && sig <= 64, a[3] == 8 else { return .error(.invalidArgument) }
        if a[1] != 0 {
            guard sig != SIGKILL && sig != SIGSTOP else { return .error(.invalidArgument) }
            do {
                let act = try t.copyInStruct(a[1], as: KernelSigaction.self)
                var rec = SignalAction()
                rec.handler = act.sa_handler; rec.flags = act.sa_flags
                rec.restorer = act.sa_restorer; rec.mask = act.sa_mask
                t.group.signalActions[Int(sig)] = rec
            } catch { return .error(error) }
        }
        return .native
    }
}
