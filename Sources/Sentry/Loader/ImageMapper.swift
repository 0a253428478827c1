// Maps the PT_LOAD segments of one ELF like elf_load() in fs/binfmt_elf.c: the whole span is
// reserved first with one PROT_NONE anonymous mapping (so the image lands in one free range
// and never on the stub, the vDSO or the stack), each segment's file pages are mapped
// MAP_FIXED inside it, the tail of the last file page is zeroed, the bss beyond is anonymous,
// and the holes between segments are unmapped again (Linux leaves them unmapped too).

import LinuxABI
import SystemPackage

/// Where an image goes.
public enum ImagePlacement: Sendable, Equatable {
    /// ET_EXEC: at its own addresses.
    case fixed
    /// ET_DYN at this load bias (MAP_FIXED_NOREPLACE: EEXIST when the range is taken).
    case bias(UInt64)
    /// ET_DYN wherever mmap finds room (the interpreter; a PIE without PT_INTERP).
    case anywhere
}

/// One mapped ELF.
public struct MappedImage: Sendable, Equatable {
    /// The load bias added to every p_vaddr (0 for ET_EXEC).
    public var bias: UInt64
    public var start: UInt64
    public var end: UInt64
    public var entry: UInt64
    /// AT_PHDR.
    public var phdr: UInt64
    /// Linux's start_brk: the page after the highest segment end.
    public var brk: UInt64
}

public enum ImageMapper {
    static let page = ELF.pageSize
    static func pageDown(_ v: UInt64) -> UInt64 { v & ~(page - 1) }
    static func pageUp(_ v: UInt64) -> UInt64 { (v &+ page &- 1) & ~(page - 1) }

    /// Maps `elf` from `hostFD`. `avoid` is a range nothing may overlap (the stub image).
    public static func map(_ elf: ELFFile, hostFD: Int32, placement: ImagePlacement, into space: LoaderAddressSpace,
                           avoid: Range<UInt64>? = nil) throws(Errno) -> MappedImage {
        let span = elf.spanSize
        let reserveFlags = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS
        let start: UInt64
        switch placement {
        case .fixed, .bias:
            var s = elf.spanStart
            if case .bias(let b) = placement {
                let (r, o) = b.addingReportingOverflow(elf.spanStart)
                guard !o else { throw .noMemory }
                s = r
            }
            guard s <= ELF.taskSize, span <= ELF.taskSize - s else { throw .noMemory }
            if let a = avoid, s < a.upperBound && a.lowerBound < s + span { throw .fileExists }
            let r = try space.mapAnonymous(address: s, length: span, prot: Mmap.PROT_NONE, flags: reserveFlags | Mmap.MAP_FIXED_NOREPLACE)
            if r != s {   // a kernel without MAP_FIXED_NOREPLACE treats it as a hint
                try? space.unmap(r, length: span)
                throw .fileExists
            }
            start = s
        case .anywhere:
            // Over-reserve by the alignment, keep an aligned window, give back the rest.
            let align = elf.maximumAlignment
            let length = span + (align - page)
            let r = try space.mapAnonymous(address: 0, length: length, prot: Mmap.PROT_NONE, flags: reserveFlags)
            let s = r + ((elf.spanStart &- r) & (align - 1))
            if s > r { try space.unmap(r, length: s - r) }
            if r + length > s + span { try space.unmap(s + span, length: r + length - (s + span)) }
            start = s
        }
        let bias = start &- elf.spanStart

        var covered: [(UInt64, UInt64)] = []
        var brk: UInt64 = 0
        for p in elf.loads {
            let segment = bias &+ p.vaddr
            let pageStart = pageDown(segment)
            let pageOffset = segment - pageStart
            let end = segment + p.memsz
            var zeroStart = pageStart
            if p.filesz > 0 {
                _ = try space.mapFile(hostFD, address: pageStart, length: pageUp(p.filesz + pageOffset), prot: p.prot,
                                      flags: Mmap.MAP_PRIVATE | Mmap.MAP_FIXED, offset: Int64(p.offset - pageOffset))
                zeroStart = segment + p.filesz
                // padzero: file bytes past p_filesz in the last page must read as zero. Linux
                // ignores the failure for a read-only segment; we do not try.
                if p.memsz > p.filesz && zeroStart & (page - 1) != 0 && p.prot & Mmap.PROT_WRITE != 0 {
                    try space.write(zeroStart, [UInt8](repeating: 0, count: Int(pageUp(zeroStart) - zeroStart)))
                }
            }
            if p.memsz > p.filesz {
                // The bss: vm_brk_flags gives read/write, plus exec when the segment asks for it.
                let bssStart = pageUp(zeroStart), bssEnd = pageUp(end)
                if bssEnd > bssStart {
                    _ = try space.mapAnonymous(address: bssStart, length: bssEnd - bssStart,
                                               prot: Mmap.PROT_READ | Mmap.PROT_WRITE | (p.prot & Mmap.PROT_EXEC),
                                               flags: Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED)
                }
            }
            covered.append((pageStart, pageUp(end)))
            brk = max(brk, end)
        }

        // Give back the reservation's pages that no segment uses.
        covered.sort { $0.0 < $1.0 }
        var cursor = start
        for (s, e) in covered {
            if s > cursor { try space.unmap(cursor, length: s - cursor) }
            cursor = max(cursor, e)
        }
        if start + span > cursor { try space.unmap(cursor, length: start + span - cursor) }

        return MappedImage(bias: bias, start: start, end: start + span, entry: bias &+ elf.entry,
                           phdr: bias &+ elf.phdrAddress, brk: pageUp(brk))
    }
}
