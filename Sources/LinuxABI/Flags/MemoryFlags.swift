// mmap(2), mprotect(2), madvise(2), mremap(2) and getrandom(2) flags.

/// Protection bits and mapping flags (asm-generic/mman-common.h, asm/mman.h).
public enum Mmap {
    public static let PROT_NONE: Int32 = 0x0
    public static let PROT_READ: Int32 = 0x1
    public static let PROT_WRITE: Int32 = 0x2
    public static let PROT_EXEC: Int32 = 0x4
    public static let PROT_GROWSDOWN: Int32 = 0x0100_0000
    public static let PROT_GROWSUP: Int32 = 0x0200_0000

    public static let MAP_SHARED: Int32 = 0x01
    public static let MAP_PRIVATE: Int32 = 0x02
    public static let MAP_SHARED_VALIDATE: Int32 = 0x03
    public static let MAP_TYPE: Int32 = 0x0f
    public static let MAP_FIXED: Int32 = 0x10
    public static let MAP_ANONYMOUS: Int32 = 0x20
    public static let MAP_ANON: Int32 = 0x20
    public static let MAP_32BIT: Int32 = 0x40
    public static let MAP_GROWSDOWN: Int32 = 0x0100
    public static let MAP_DENYWRITE: Int32 = 0x0800
    public static let MAP_EXECUTABLE: Int32 = 0x1000
    public static let MAP_LOCKED: Int32 = 0x2000
    public static let MAP_NORESERVE: Int32 = 0x4000
    public static let MAP_POPULATE: Int32 = 0x8000
    public static let MAP_NONBLOCK: Int32 = 0x10000
    public static let MAP_STACK: Int32 = 0x20000
    public static let MAP_HUGETLB: Int32 = 0x40000
    public static let MAP_SYNC: Int32 = 0x80000
    public static let MAP_FIXED_NOREPLACE: Int32 = 0x100000
    public static let MAP_UNINITIALIZED: Int32 = 0x4000000
    public static let MAP_FAILED: Int = -1

    public static let MREMAP_MAYMOVE: Int32 = 1
    public static let MREMAP_FIXED: Int32 = 2
    public static let MREMAP_DONTUNMAP: Int32 = 4

    public static let MADV_NORMAL: Int32 = 0
    public static let MADV_RANDOM: Int32 = 1
    public static let MADV_SEQUENTIAL: Int32 = 2
    public static let MADV_WILLNEED: Int32 = 3
    public static let MADV_DONTNEED: Int32 = 4
    public static let MADV_FREE: Int32 = 8
    public static let MADV_REMOVE: Int32 = 9
    public static let MADV_DONTFORK: Int32 = 10
    public static let MADV_DOFORK: Int32 = 11
    public static let MADV_MERGEABLE: Int32 = 12
    public static let MADV_UNMERGEABLE: Int32 = 13
    public static let MADV_HUGEPAGE: Int32 = 14
    public static let MADV_NOHUGEPAGE: Int32 = 15
    public static let MADV_DONTDUMP: Int32 = 16
    public static let MADV_DODUMP: Int32 = 17
    public static let MADV_WIPEONFORK: Int32 = 18
    public static let MADV_KEEPONFORK: Int32 = 19
    public static let MADV_COLD: Int32 = 20
    public static let MADV_PAGEOUT: Int32 = 21

    public static let MS_ASYNC: Int32 = 1
    public static let MS_INVALIDATE: Int32 = 2
    public static let MS_SYNC: Int32 = 4
}

/// getrandom(2) flags (linux/random.h).
public enum GetrandomFlags {
    public static let GRND_NONBLOCK: UInt32 = 0x0001
    public static let GRND_RANDOM: UInt32 = 0x0002
    public static let GRND_INSECURE: UInt32 = 0x0004
}
