// The stub executable every application task execs: a tiny static ELF at a fixed address.
// It is never run for real: at its exec stop the tracer borrows its `syscall; int3` gadget
// for injected calls and its RW segment as scratch memory, then the Loader maps the program.
//
// The address is fixed (ET_EXEC at `base`) so that the application filter, compiled once, can
// keep every mapping-changing call away from it: see `guardStart`/`guardEnd` and
// ApplicationFilter. It sits low (256 MiB): above where non-PIE programs load (0x200000 for
// lld, 0x400000 for bfd), in the range sanitizers treat as application memory, far below
// where mmap places things top-down. Its brk follows it, as for any ET_EXEC.

import CHusk
import Glibc
import SystemPackage

public enum StubELF {
    /// Where the image is mapped in every task (ET_EXEC).
    public static let base: UInt64 = 0x1000_0000
    /// Offsets inside the mapped image.
    static let phnum = 3
    static let gadgetOffset: UInt64 = 64 + 56 * 3          // 0xe8: syscall; int3
    static let entryOffset: UInt64 = gadgetOffset + 8      // 0xf0: ud2; jmp .-2
    /// Eight zero bytes on the read-only page: execveat's empty path and empty envp, which
    /// no thread of the program can rewrite while the exec reads them (scratch could be).
    static let zeroesOffset: UInt64 = entryOffset + 8       // 0xf8
    static let codeEnd: UInt64 = zeroesOffset + 8
    public static let scratchOffset: UInt64 = 0x1000
    public static let scratchSize = 0x10000
    public static var imageSize: UInt64 { scratchOffset + UInt64(scratchSize) }
    /// The addresses no mapping call of the program may touch: the code page and scratch.
    public static let guardStart: UInt64 = base
    public static var guardEnd: UInt64 { base + imageSize }
    /// Absolute addresses of the gadget, the entry point and the zero bytes.
    public static var gadgetAddress: UInt64 { base + gadgetOffset }
    public static var entryAddress: UInt64 { base + entryOffset }
    public static var zeroesAddress: UInt64 { base + zeroesOffset }
    public static var scratchAddress: UInt64 { base + scratchOffset }
    static let gadgetBytes: [UInt8] = [0x0f, 0x05, 0xcc]

    /// The ELF file's bytes.
    public static func bytes() -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(Int(codeEnd))
        func u16(_ v: UInt16) { b.append(UInt8(v & 0xff)); b.append(UInt8(v >> 8)) }
        func u32(_ v: UInt32) { for i in 0..<4 { b.append(UInt8((v >> (8 * UInt32(i))) & 0xff)) } }
        func u64(_ v: UInt64) { for i in 0..<8 { b.append(UInt8((v >> (8 * UInt64(i))) & 0xff)) } }
        // ELF header: 64-bit, little-endian, ET_EXEC, x86-64.
        b += [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        u16(2); u16(62); u32(1)
        u64(base + entryOffset); u64(64); u64(0)      // e_entry, e_phoff, e_shoff
        u32(0); u16(64); u16(56); u16(UInt16(phnum)); u16(64); u16(0); u16(0)
        // PT_LOAD R+X: headers and code.
        u32(1); u32(5); u64(0); u64(base); u64(base); u64(codeEnd); u64(codeEnd); u64(0x1000)
        // PT_LOAD R+W: scratch, zero-filled (no file bytes).
        u32(1); u32(6); u64(0); u64(base + scratchOffset); u64(base + scratchOffset); u64(0); u64(UInt64(scratchSize)); u64(0x1000)
        // PT_GNU_STACK: non-executable stack.
        u32(0x6474_e551); u32(6); u64(0); u64(0); u64(0); u64(0); u64(0); u64(16)
        precondition(UInt64(b.count) == gadgetOffset)
        b += gadgetBytes + [0xcc, 0xcc, 0xcc, 0xcc, 0xcc]   // gadget, padding
        b += [0x0f, 0x0b, 0xeb, 0xfc, 0xcc, 0xcc, 0xcc, 0xcc] // entry: ud2; jmp entry; padding
        b += [UInt8](repeating: 0, count: 8)                // zeroes
        precondition(UInt64(b.count) == codeEnd)
        return b
    }

    /// A sealed, close-on-exec memfd holding the stub, to be exec'd with execveat(AT_EMPTY_PATH).
    public static func makeStubMemfd() throws(Errno) -> Int32 {
        let MFD_CLOEXEC: UInt32 = 1, MFD_ALLOW_SEALING: UInt32 = 2, MFD_EXEC: UInt32 = 0x10
        var r = chusk_memfd_create("husk-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC)
        if r == -Int(EINVAL) { r = chusk_memfd_create("husk-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING) }
        if r < 0 { throw Errno(rawValue: Int32(-r)) }
        let fd = Int32(r)
        let image = bytes()
        let n = image.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == image.count else { close(fd); throw Errno.ioError }
        // F_ADD_SEALS: SEAL_SEAL | SEAL_SHRINK | SEAL_GROW | SEAL_WRITE, so nobody changes it later.
        _ = fcntl(fd, 1033, Int32(1 | 2 | 4 | 8))
        return fd
    }
}

/// Free-function form of `StubELF.makeStubMemfd()`.
public func makeStubMemfd() throws(Errno) -> Int32 { try StubELF.makeStubMemfd() }
