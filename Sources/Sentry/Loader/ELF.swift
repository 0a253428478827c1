// Elf64 header and program headers, validated the way fs/binfmt_elf.c does before it maps
// anything. Every check that Linux makes only after the point of no return (segment sanity
// in elf_load) is made here instead, so a bad file fails execve with ENOEXEC rather than
// killing the task. Nothing here trusts a field: all arithmetic is overflow-checked.

import SystemPackage

/// One Elf64_Phdr.
public struct ELFProgramHeader: Sendable, Equatable {
    public var type: UInt32
    public var flags: UInt32
    public var offset: UInt64
    public var vaddr: UInt64
    public var filesz: UInt64
    public var memsz: UInt64
    public var align: UInt64

    public init(type: UInt32, flags: UInt32, offset: UInt64, vaddr: UInt64, filesz: UInt64, memsz: UInt64, align: UInt64) {
        self.type = type; self.flags = flags; self.offset = offset; self.vaddr = vaddr
        self.filesz = filesz; self.memsz = memsz; self.align = align
    }

    /// PF_R/PF_W/PF_X as mmap protection bits.
    public var prot: Int32 {
        (flags & ELF.PF_R != 0 ? 0x1 : 0) | (flags & ELF.PF_W != 0 ? 0x2 : 0) | (flags & ELF.PF_X != 0 ? 0x4 : 0)
    }
}

/// ELF constants (elf.h) used by the loader.
public enum ELF {
    public static let ET_EXEC: UInt16 = 2
    public static let ET_DYN: UInt16 = 3
    public static let EM_X86_64: UInt16 = 62
    public static let PT_LOAD: UInt32 = 1
    public static let PT_INTERP: UInt32 = 3
    public static let PT_PHDR: UInt32 = 6
    public static let PT_GNU_STACK: UInt32 = 0x6474_e551
    public static let PF_X: UInt32 = 1
    public static let PF_W: UInt32 = 2
    public static let PF_R: UInt32 = 4
    public static let headerSize = 64
    public static let phdrSize = 56
    /// load_elf_phdrs refuses program header tables larger than this.
    public static let maxPhdrTableSize = 65536
    /// PATH_MAX: the largest PT_INTERP Linux accepts.
    public static let maxInterpreterSize: UInt64 = 4096
    public static let pageSize: UInt64 = 4096
    /// TASK_SIZE_MAX of x86_64 with 4-level paging (DEFAULT_MAP_WINDOW).
    public static let taskSize: UInt64 = 0x7fff_ffff_f000
}

/// A validated ELF executable or interpreter.
public struct ELFFile: Sendable {
    public var type: UInt16
    public var entry: UInt64
    public var phoff: UInt64
    public var programHeaders: [ELFProgramHeader]
    /// PT_LOAD segments in file order.
    public var loads: [ELFProgramHeader]
    /// The PT_INTERP path without its NUL, when the file has one.
    public var interpreterPath: [UInt8]?
    /// PT_GNU_STACK asks for an executable stack (absent means non-executable on x86_64).
    public var executableStack: Bool

    public var phnum: Int { programHeaders.count }
    public var isDynamic: Bool { type == ELF.ET_DYN }

    /// Page-aligned span of the PT_LOAD segments (before relocation).
    public var spanStart: UInt64 { loads.map(\.vaddr).min()! & ~(ELF.pageSize - 1) }
    public var spanEnd: UInt64 { ELFFile.pageUp(loads.map { $0.vaddr + $0.memsz }.max()!) }
    public var spanSize: UInt64 { spanEnd - spanStart }

    /// The largest power-of-two p_align of the PT_LOADs (maximum_alignment in binfmt_elf.c),
    /// at least a page. Capped at 1 GiB: beyond that the reservation itself would be absurd.
    public var maximumAlignment: UInt64 {
        var a = ELF.pageSize
        for l in loads where l.align != 0 && l.align & (l.align - 1) == 0 && l.align <= (1 << 30) { a = max(a, l.align) }
        return a
    }

    /// The address of the program headers in the unrelocated image: inside the PT_LOAD that
    /// maps e_phoff (the rule of Linux 5.18+), else PT_PHDR's p_vaddr, else 0.
    public var phdrAddress: UInt64 {
        let size = UInt64(phnum * ELF.phdrSize)
        for l in loads where l.offset <= phoff && phoff - l.offset < l.filesz && size <= l.filesz - (phoff - l.offset) {
            return phoff - l.offset + l.vaddr
        }
        if let p = programHeaders.first(where: { $0.type == ELF.PT_PHDR }) { return p.vaddr }
        return 0
    }

    static func pageUp(_ v: UInt64) -> UInt64 { (v &+ ELF.pageSize &- 1) & ~(ELF.pageSize - 1) }

    /// Reads and validates an ELF through `read(offset, count)`, which returns at most `count`
    /// bytes (fewer at end of file). Any malformation is ENOEXEC; read errors pass through.
    public static func read(_ read: (UInt64, Int) throws(Errno) -> [UInt8]) throws(Errno) -> ELFFile {
        let header = try read(0, ELF.headerSize)
        guard header.count == ELF.headerSize else { throw .execFormatError }
        let h = ELFBytes(header)
        // e_ident: magic, ELFCLASS64, ELFDATA2LSB.
        guard header[0] == 0x7f, header[1] == 0x45, header[2] == 0x4c, header[3] == 0x46,
              header[4] == 2, header[5] == 1 else { throw .execFormatError }
        let type = h.u16(16), machine = h.u16(18)
        guard type == ELF.ET_EXEC || type == ELF.ET_DYN, machine == ELF.EM_X86_64 else { throw .execFormatError }
        let entry = h.u64(24), phoff = h.u64(32)
        let phentsize = Int(h.u16(54)), phnum = Int(h.u16(56))
        guard phentsize == ELF.phdrSize, phnum > 0, phnum * ELF.phdrSize <= ELF.maxPhdrTableSize else { throw .execFormatError }
        let tableSize = phnum * ELF.phdrSize
        guard phoff <= UInt64(Int64.max) - UInt64(tableSize) else { throw .execFormatError }
        let table = try read(phoff, tableSize)
        guard table.count == tableSize else { throw .execFormatError }
        let t = ELFBytes(table)

        var headers: [ELFProgramHeader] = []
        headers.reserveCapacity(phnum)
        for i in 0..<phnum {
            let o = i * ELF.phdrSize
            headers.append(ELFProgramHeader(type: t.u32(o), flags: t.u32(o + 4), offset: t.u64(o + 8), vaddr: t.u64(o + 16),
                                            filesz: t.u64(o + 32), memsz: t.u64(o + 40), align: t.u64(o + 48)))
        }

        var loads: [ELFProgramHeader] = []
        var interpreter: [UInt8]?
        var executableStack = false
        for p in headers {
            switch p.type {
            case ELF.PT_LOAD:
                try validate(load: p)
                loads.append(p)
            case ELF.PT_INTERP where interpreter == nil:
                // Linux takes the first PT_INTERP: 2..PATH_MAX bytes, NUL-terminated.
                guard p.filesz >= 2, p.filesz <= ELF.maxInterpreterSize, p.offset <= UInt64(Int64.max) - p.filesz else { throw .execFormatError }
                let bytes = try read(p.offset, Int(p.filesz))
                guard bytes.count == Int(p.filesz), bytes.last == 0 else { throw .execFormatError }
                let path = Array(bytes.prefix { $0 != 0 })
                guard !path.isEmpty else { throw .execFormatError }
                interpreter = path
            case ELF.PT_GNU_STACK:
                executableStack = p.flags & ELF.PF_X != 0
            default:
                break
            }
        }
        guard !loads.isEmpty else { throw .execFormatError }
        let file = ELFFile(type: type, entry: entry, phoff: phoff, programHeaders: headers, loads: loads,
                           interpreterPath: interpreter, executableStack: executableStack)
        // The whole image must fit in the user address space.
        guard file.spanEnd > file.spanStart, file.spanEnd <= ELF.taskSize, entry < ELF.taskSize else { throw .execFormatError }
        return file
    }

    /// Parses an ELF held entirely in memory.
    public static func parse(_ bytes: [UInt8]) throws(Errno) -> ELFFile {
        try read { (offset: UInt64, count: Int) throws(Errno) -> [UInt8] in
            guard offset < UInt64(bytes.count) else { return [] }
            let start = Int(offset)
            return Array(bytes[start..<min(bytes.count, start + count)])
        }
    }

    /// The checks elf_load/elf_map would fail on (EINVAL after the point of no return in Linux).
    static func validate(load p: ELFProgramHeader) throws(Errno) {
        guard p.filesz <= p.memsz else { throw .execFormatError }
        // mmap needs file offset and address congruent modulo the page size.
        guard p.offset & (ELF.pageSize - 1) == p.vaddr & (ELF.pageSize - 1) else { throw .execFormatError }
        guard p.memsz <= ELF.taskSize, p.vaddr <= ELF.taskSize - p.memsz else { throw .execFormatError }
        guard p.offset <= UInt64(Int64.max) - p.filesz else { throw .execFormatError }
    }
}

/// Little-endian field reads from a byte array whose size the caller has checked.
private struct ELFBytes {
    let b: [UInt8]
    init(_ b: [UInt8]) { self.b = b }
    func u16(_ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
    func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) } }
    func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
}
