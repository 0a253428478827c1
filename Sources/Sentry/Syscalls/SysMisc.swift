import CHusk
import Glibc
import LinuxABI
import SystemPackage

/// System information: the UTS namespace's names, sysinfo, getrandom, arch_prctl's host codes.
enum SysMisc {
    /// The arch_prctl codes that run on the host: the FS/GS base of the own thread
    /// (ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS), its CPUID faulting (ARCH_GET_CPUID,
    /// ARCH_SET_CPUID) and the process's AMX state permission (ARCH_GET_XCOMP_SUPP,
    /// ARCH_GET_XCOMP_PERM, ARCH_REQ_XCOMP_PERM).
    static var nativeArchPrctl: [NativeRule] {
        [0x1001, 0x1002, 0x1003, 0x1004].map { code in .allow("FS/GS base of the own thread", [.arg(0, equals: code)]) }
            + [0x1011, 0x1012].map { code in .allow("CPUID faulting of the own thread", [.arg(0, equals: code)]) }
            + [0x1021, 0x1022, 0x1023].map { code in .allow("AMX state permission of the own process", [.arg(0, equals: code)]) }
    }

    /// arch_prctl(2) for the codes the filter does not run natively: vDSO mapping (it could map
    /// over the stub) and shadow stacks answer EINVAL, as a kernel built without
    /// CONFIG_CHECKPOINT_RESTORE or CONFIG_X86_USER_SHADOW_STACK does; unknown codes EINVAL.
    static func archPrctl(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        .error(.invalidArgument)
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
        setUTSName(t, a, \.hostname)
    }

    /// setdomainname(2).
    static func setdomainname(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        setUTSName(t, a, \.domainname)
    }

    /// sethostname and setdomainname: CAP_SYS_ADMIN first, then an int length of at most 64.
    private static func setUTSName(_ t: Task, _ a: SyscallArguments, _ field: ReferenceWritableKeyPath<UTSNamespace, [UInt8]>) -> SyscallReturn {
        guard t.creds.has(Capability.sysAdmin) else { return .error(.notPermitted) }
        let length = a.int(1)
        guard length >= 0 && length <= 64 else { return .error(.invalidArgument) }
        do { t.kernel.uts[keyPath: field] = try t.copyInBytes(a[0], count: Int(length)) } catch { return .error(error) }
        return .zero
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
}
