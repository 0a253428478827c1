import LinuxABI
import SystemPackage

/// process_vm_readv and process_vm_writev between tasks of the sandbox (mm/process_vm_access.c),
/// carried out by the Sentry through its own access to task memory.
enum SysProcessVM {
    /// process_vm_readv(2).
    static func readv(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { transfer(t, a, write: false) }

    /// process_vm_writev(2).
    static func writev(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { transfer(t, a, write: true) }

    static func transfer(_ t: Task, _ a: SyscallArguments, write: Bool) -> SyscallReturn {
        if a[5] != 0 || a[2] > 1024 || a[4] > 1024 { return .error(.invalidArgument) }
        do {
            let local = try copyInIovecs(t, a[1], Int32(a[2]))
            if local.allSatisfy({ $0.1 == 0 }) { return .zero }
            let remote = try copyInIovecs(t, a[3], Int32(a[4]))
            if remote.allSatisfy({ $0.1 == 0 }) { return .zero }
            let pid = a.int(0)
            guard pid > 0, let target = t.kernel.tasks.values.first(where: { $0.tid == pid }) else { return .error(.noSuchProcess) }
            // mm_access(PTRACE_MODE_ATTACH_REALCREDS); its EACCES is EPERM here.
            guard t.kernel.ptraceMayAccess(t, target, .real) else { return .error(.notPermitted) }
            return copy(t, local, target, remote, write: write)
        } catch { return .error(error) }
    }

    /// Copies page by page, so that a fault on either side ends the transfer where it happened:
    /// the bytes copied so far, or the error when none were.
    static func copy(_ t: Task, _ local: [(UInt64, UInt64)], _ target: Task, _ remote: [(UInt64, UInt64)], write: Bool) -> SyscallReturn {
        let page: UInt64 = 4096
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(page), alignment: 8)
        defer { buffer.deallocate() }
        var li = 0, lOff: UInt64 = 0, total: UInt64 = 0
        outer: for (rBase, rLen) in remote {
            var rOff: UInt64 = 0
            while rOff < rLen {
                while li < local.count && lOff == local[li].1 { li += 1; lOff = 0 }
                if li == local.count { break outer }
                let rAddr = rBase &+ rOff, lAddr = local[li].0 &+ lOff
                let n = min(rLen - rOff, local[li].1 - lOff, page - (rAddr & (page - 1)), page - (lAddr & (page - 1)))
                let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(n)])
                do {
                    if write {
                        try t.copyIn(lAddr, chunk)
                        try target.copyOut(rAddr, UnsafeRawBufferPointer(chunk))
                    } else {
                        try target.copyIn(rAddr, chunk)
                        try t.copyOut(lAddr, UnsafeRawBufferPointer(chunk))
                    }
                } catch {
                    if total == 0 { return .error(error) }
                    break outer
                }
                total += n; rOff += n; lOff += n
            }
        }
        return .value(Int64(total))
    }
}
