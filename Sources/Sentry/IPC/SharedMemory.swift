import Glibc
import LinuxABI
import SystemPackage

// System V shared memory (ipc/shm.c). Not served yet: the registry exists so that the
// namespace's limits and /proc/sysvipc/shm have their place.

final class SharedMemorySegment: IPCObject {
    let size: UInt64
    init(perm: IPCPerm, size: UInt64) {
        self.size = size
        super.init(perm: perm)
    }
}
