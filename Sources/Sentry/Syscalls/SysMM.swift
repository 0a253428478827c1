import LinuxABI
import SystemPackage

/// Memory-mapping handlers. Anonymous mappings never reach the Sentry (the application filter
/// lets them run natively); a file mapping installs the file's host fd for one native mmap.
enum SysMM {
    static func install(into t: inout SyscallTable) {
        t.register(SyscallNumber.mmap, mmap)
    }

    /// mmap(2) of a file.
    static func mmap(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let addr = a[0], length = a[1], prot = a.int(2), flags = a.int(3), fd = a.int(4), offset = a.long(5)
        if flags & Mmap.MAP_ANONYMOUS != 0 { return .native }
        if length == 0 || offset & 4095 != 0 { return .error(.invalidArgument) }
        do {
            let file = try t.fdTable.get(fd)
            if file.isPath { return .error(.badFileDescriptor) }
            guard file.canRead else { return .error(.permissionDenied) }
            let shared = flags & 0x0f == Mmap.MAP_SHARED || flags & 0x0f == Mmap.MAP_SHARED_VALIDATE
            if shared && prot & Mmap.PROT_WRITE != 0 && !file.canWrite { return .error(.permissionDenied) }
            guard let hostFD = file.hostFD else { return .error(.operationNotSupportedByDevice) }
            let r = try t.mapHostFile(hostFD, address: addr, length: length, prot: prot, flags: flags, offset: offset)
            return .value(Int64(bitPattern: r))
        } catch {
            return .error(error)
        }
    }
}
