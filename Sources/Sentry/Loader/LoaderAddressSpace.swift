// The address-space operations the Loader performs. A task provides them by syscall
// injection; tests provide them with a recording fake or with the test process itself.

import LinuxABI
import Platform
import SystemPackage

public protocol LoaderAddressSpace: AnyObject {
    /// mmap of a host file (the Sentry's fd) with these exact prot/flags; returns the address.
    func mapFile(_ hostFD: Int32, address: UInt64, length: UInt64, prot: Int32, flags: Int32, offset: Int64) throws(Errno) -> UInt64
    /// mmap of anonymous memory; `flags` must include MAP_PRIVATE|MAP_ANONYMOUS.
    func mapAnonymous(address: UInt64, length: UInt64, prot: Int32, flags: Int32) throws(Errno) -> UInt64
    func unmap(_ address: UInt64, length: UInt64) throws(Errno)
    func protect(_ address: UInt64, length: UInt64, prot: Int32) throws(Errno)
    func write(_ address: UInt64, _ bytes: [UInt8]) throws(Errno)
}

/// A stopped task's address space. Each host file is installed in the task once and closed
/// by `finish()`, instead of install/mmap/close per segment (injections are the cost here).
final class TaskAddressSpace: LoaderAddressSpace {
    let task: Task
    private var installed: [Int32: Int32] = [:]

    init(_ task: Task) { self.task = task }

    func mapFile(_ hostFD: Int32, address: UInt64, length: UInt64, prot: Int32, flags: Int32, offset: Int64) throws(Errno) -> UInt64 {
        let fd: Int32
        if let f = installed[hostFD] {
            fd = f
        } else {
            fd = try task.platform.installFD(task.hostTID, hostFD)
            installed[hostFD] = fd
        }
        return try task.inject(SyscallNumber.mmap, [address, length, UInt64(UInt32(bitPattern: prot)),
                                                    UInt64(UInt32(bitPattern: flags)), UInt64(fd), UInt64(bitPattern: offset)])
    }

    func mapAnonymous(address: UInt64, length: UInt64, prot: Int32, flags: Int32) throws(Errno) -> UInt64 {
        try task.inject(SyscallNumber.mmap, [address, length, UInt64(UInt32(bitPattern: prot)),
                                             UInt64(UInt32(bitPattern: flags)), UInt64.max, 0])
    }

    func unmap(_ address: UInt64, length: UInt64) throws(Errno) {
        try task.inject(SyscallNumber.munmap, [address, length])
    }

    func protect(_ address: UInt64, length: UInt64, prot: Int32) throws(Errno) {
        try task.inject(SyscallNumber.mprotect, [address, length, UInt64(UInt32(bitPattern: prot))])
    }

    func write(_ address: UInt64, _ bytes: [UInt8]) throws(Errno) {
        try task.copyOut(address, bytes)
    }

    /// Closes the fds installed for mapping (the mappings keep their files).
    func finish() {
        for fd in installed.values { try? task.platform.closeInstalledFD(task.hostTID, fd) }
        installed.removeAll()
    }
}
