import LinuxABI
import Platform
import SystemPackage

/// Memory-mapping handlers. Most mapping calls never reach the Sentry: the application filter
/// lets them run natively when their range is plainly away from the stub's pages. What it sends
/// here is a file mapping (the file's host fd is installed for one native mmap) or a range the
/// filter could not judge; such a range runs natively unless it touches the stub, which stays
/// sealed: EPERM, as Linux answers for mseal'd memory.
enum SysMM {
    /// madvise advice values that only affect the caller's own anonymous memory.
    static let nativeAdvice: [UInt64] = [0 /*NORMAL*/, 1 /*RANDOM*/, 2 /*SEQUENTIAL*/, 3 /*WILLNEED*/,
        4 /*DONTNEED*/, 8 /*FREE*/, 10 /*DONTFORK*/, 11 /*DOFORK*/, 14 /*HUGEPAGE*/, 15 /*NOHUGEPAGE*/,
        16 /*DONTDUMP*/, 17 /*DODUMP*/, 18 /*WIPEONFORK*/, 19 /*KEEPONFORK*/, 20 /*COLD*/, 21 /*PAGEOUT*/,
        22 /*POPULATE_READ*/, 23 /*POPULATE_WRITE*/]

    /// The mmap forms that run on the host: anonymous memory that cannot replace the stub.
    static var nativeMmap: [NativeRule] {
        let anonymous = UInt64(Mmap.MAP_ANONYMOUS), fixed = UInt64(Mmap.MAP_FIXED)
        return [.allow("anonymous, not MAP_FIXED (the kernel never replaces a mapping for it)",
                       [.arg(3, masked: anonymous | fixed, equals: anonymous)])]
            + NativeRule.allowAwayFromStub("anonymous MAP_FIXED away from the stub; file mappings are served",
                                 also: [FilterCondition.arg(3, masked: anonymous, equals: anonymous)])
    }

    /// The mremap forms that run on the host: the old range away from the stub, and the new
    /// one too when MREMAP_FIXED places it (otherwise the kernel only moves into free space).
    /// The two rules are disjoint on arg 3: libseccomp 2.5.4 never finishes merging the
    /// overlapping form.
    static var nativeMremap: [NativeRule] {
        let fixed = UInt64(Mmap.MREMAP_FIXED), above = ApplicationFilter.aboveStub
        return [.allow("old range above the stub, not MREMAP_FIXED", [.arg(0, atLeast: above), .arg(3, masked: fixed, equals: 0)]),
                .allow("old and new range above the stub", [.arg(0, atLeast: above), .arg(3, masked: fixed, equals: fixed), .arg(4, atLeast: above)])]
    }

    /// The madvise forms that run on the host: advice on own memory, away from the stub.
    static var nativeMadvise: [NativeRule] {
        nativeAdvice.flatMap { advice in
            NativeRule.allowAwayFromStub("advice on own anonymous memory, away from the stub", also: [.arg(2, equals: advice)])
        }
    }

    /// mmap(2): anonymous memory natively; a file through an installed host fd.
    static func mmap(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let addr = a[0], length = a[1], prot = a.int(2), flags = a.int(3), fd = a.int(4), offset = a.long(5)
        // Only MAP_FIXED replaces what is there; a hint or MAP_FIXED_NOREPLACE never does.
        if flags & Mmap.MAP_FIXED != 0 && ApplicationFilter.touchesStub(addr, length) { return .error(.notPermitted) }
        if flags & Mmap.MAP_ANONYMOUS != 0 { return .native }
        if length == 0 || offset & 4095 != 0 { return .error(.invalidArgument) }
        do {
            let file = try t.fdTable.get(fd)
            if file.isPath { return .error(.badFileDescriptor) }
            guard file.canRead else { return .error(.permissionDenied) }
            let shared = flags & 0x0f == Mmap.MAP_SHARED || flags & 0x0f == Mmap.MAP_SHARED_VALIDATE
            if shared && prot & Mmap.PROT_WRITE != 0 && !file.canWrite { return .error(.permissionDenied) }
            if let device = file as? DeviceFile, device.kind == .zero { return mapZero(t, a) }
            // do_mmap's path_noexec: no executable mapping of a file on an MS_NOEXEC mount.
            if prot & Mmap.PROT_EXEC != 0, let d = file.dentry, t.vfs.mountEntry(holding: d)?.has("noexec") == true {
                return .error(.notPermitted)
            }
            guard let hostFD = file.hostFD else { return .error(.operationNotSupportedByDevice) }
            let r = try t.mapHostFile(hostFD, address: addr, length: length, prot: prot, flags: flags, offset: offset)
            return .value(Int64(bitPattern: r))
        } catch {
            return .error(error)
        }
    }

    /// mmap of /dev/zero: anonymous memory (mmap_zero), shared across fork when MAP_SHARED, as
    /// Linux's shmem object behind a shared /dev/zero mapping; the offset is ignored.
    static func mapZero(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let anonymous = a.int(3) | Mmap.MAP_ANONYMOUS
        do {
            let r = try t.inject(SyscallNumber.mmap, [a[0], a[1], a[2], UInt64(UInt32(bitPattern: anonymous)), UInt64.max, 0])
            return .value(Int64(bitPattern: r))
        } catch { return .error(error) }
    }

    /// munmap(2) of a range the filter could not judge.
    static func munmap(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        ApplicationFilter.touchesStub(a[0], a[1]) ? .error(.notPermitted) : .native
    }

    /// mprotect(2) of a range the filter could not judge.
    static func mprotect(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        ApplicationFilter.touchesStub(a[0], a[1]) ? .error(.notPermitted) : .native
    }

    /// madvise(2): the advice values that only touch the caller's own memory run natively away
    /// from the stub; the others (KSM merging, MADV_REMOVE of shared files, hwpoison…) are not
    /// offered: EINVAL, as a kernel built without them answers.
    static func madvise(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard nativeAdvice.contains(a[2]) else { return .error(.invalidArgument) }
        return ApplicationFilter.touchesStub(a[0], a[1]) ? .error(.notPermitted) : .native
    }

    /// mremap(2) whose old range, or new range under MREMAP_FIXED, the filter could not judge.
    static func mremap(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let oldAddress = a[0], oldSize = a[1], newSize = a[2], flags = a[3], newAddress = a[4]
        if ApplicationFilter.touchesStub(oldAddress, max(oldSize, 1)) { return .error(.notPermitted) }
        if flags & UInt64(Mmap.MREMAP_FIXED) != 0 && ApplicationFilter.touchesStub(newAddress, newSize) { return .error(.notPermitted) }
        return .native
    }
}
