// The stub executable every application task execs: a tiny static position-independent ELF.
// It is never run for real: at its exec stop the tracer borrows its `syscall; int3` gadget
// for injected calls and its RW segment as scratch memory, then the Loader maps the program.

import CHusk
import Glibc
import SystemPackage

public enum StubELF {
    /// Offsets inside the mapped image (the image is ET_DYN: add the load base).
    static let phnum = 3
    static let gadgetOffset: UInt64 = 64 + 56 * 3          // 0xe8: syscall; int3
    static let entryOffset: UInt64 = gadgetOffset + 8      // 0xf0: ud2; jmp .-2
    static let codeEnd: UInt64 = entryOffset + 4
    public static let scratchOffset: UInt64 = 0x1000
    public static let scratchSize = 0x10000
    public static var imageSize: UInt64 { scratchOffset + UInt64(scratchSize) }
    static let gadgetBytes: [UInt8] = [0x0f, 0x05, 0xcc]

    /// The ELF file's bytes.
    public static func bytes() -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(Int(codeEnd))
        func u16(_ v: UInt16) { b.append(UInt8(v & 0xff)); b.append(UInt8(v >> 8)) }
        func u32(_ v: UInt32) { for i in 0..<4 { b.append(UInt8((v >> (8 * UInt32(i))) & 0xff)) } }
        func u64(_ v: UInt64) { for i in 0..<8 { b.append(UInt8((v >> (8 * UInt64(i))) & 0xff)) } }
        // ELF header: 64-bit, little-endian, ET_DYN, x86-64.
        b += [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        u16(3); u16(62); u32(1)
        u64(entryOffset); u64(64); u64(0)      // e_entry, e_phoff, e_shoff
        u32(0); u16(64); u16(56); u16(UInt16(phnum)); u16(64); u16(0); u16(0)
        // PT_LOAD R+X: headers and code.
        u32(1); u32(5); u64(0); u64(0); u64(0); u64(codeEnd); u64(codeEnd); u64(0x1000)
        // PT_LOAD R+W: scratch, zero-filled (no file bytes).
        u32(1); u32(6); u64(0); u64(scratchOffset); u64(scratchOffset); u64(0); u64(UInt64(scratchSize)); u64(0x1000)
        // PT_GNU_STACK: non-executable stack.
        u32(0x6474_e551); u32(6); u64(0); u64(0); u64(0); u64(0); u64(0); u64(16)
        precondition(UInt64(b.count) == gadgetOffset)
        b += gadgetBytes + [0xcc, 0xcc, 0xcc, 0xcc, 0xcc]   // gadget, padding
        b += [0x0f, 0x0b, 0xeb, 0xfc]                       // entry: ud2; jmp entry
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
