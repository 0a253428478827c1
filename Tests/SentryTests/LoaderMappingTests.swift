import Glibc
import LinuxABI
import Platform
import Testing
@testable import Sentry
import SystemPackage

@Suite struct LoaderMappingTests {
    let fixed = Mmap.MAP_PRIVATE | Mmap.MAP_FIXED
    let anonFixed = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED

    @Test func staticExecSegmentsLikeElfLoad() throws {
        let elf = try ELFFile.parse(readHostFile("/bin/busybox"))
        let space = RecordingAddressSpace()
        let m = try ImageMapper.map(elf, hostFD: 7, placement: .fixed, into: space)
        #expect(m.bias == 0 && m.start == 0x400000)
        #expect(m.entry == elf.entry)
        #expect(m.phdr == 0x400040)
        let rw = elf.loads[3]
        #expect(m.brk == (rw.vaddr + rw.memsz + 4095) & ~4095)
        guard case .anon(let a, let len, let prot, let flags) = space.ops.first else { Issue.record("no reservation"); return }
        #expect(a == 0x400000 && len == elf.spanSize && prot == Mmap.PROT_NONE)
        #expect(flags == Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_FIXED_NOREPLACE)
        // The RW segment: file pages, zeroed tail of the last file page, anonymous bss.
        let seg = rw.vaddr, pageStart = seg & ~4095
        let zeroStart = seg + rw.filesz
        #expect(space.ops.contains(.file(fd: 7, address: pageStart, length: (rw.filesz + (seg - pageStart) + 4095) & ~4095,
                                         prot: Mmap.PROT_READ | Mmap.PROT_WRITE, flags: fixed, offset: Int64(rw.offset - (seg - pageStart)))))
        #expect(space.ops.contains(.write(zeroStart, Int(((zeroStart + 4095) & ~4095) - zeroStart))))
        #expect(space.ops.contains(.anon(address: (zeroStart + 4095) & ~4095, length: m.brk - ((zeroStart + 4095) & ~4095),
                                         prot: Mmap.PROT_READ | Mmap.PROT_WRITE, flags: anonFixed)))
        // Text is read+exec, mapped from its file offset.
        let text = elf.loads[1]
        #expect(space.ops.contains(.file(fd: 7, address: text.vaddr, length: (text.filesz + 4095) & ~4095,
                                         prot: Mmap.PROT_READ | Mmap.PROT_EXEC, flags: fixed, offset: Int64(text.offset))))
    }

    @Test func refusesTheStubRange() throws {
        let elf = try ELFFile.parse(readHostFile("/bin/busybox"))
        #expect(throws: Errno.fileExists) {
            try ImageMapper.map(elf, hostFD: 7, placement: .fixed, into: RecordingAddressSpace(), avoid: 0x500000..<0x510000)
        }
        let pie = try ELFFile.parse(readHostFile("/bin/true"))
        #expect(throws: Errno.fileExists) {
            try ImageMapper.map(pie, hostFD: 7, placement: .bias(0x1000_0000), into: RecordingAddressSpace(), avoid: 0x1000_9000..<0x1000_a000)
        }
    }

    @Test func holesBetweenSegmentsAreGivenBack() throws {
        // Two one-page segments 16 pages apart.
        var b = [UInt8](repeating: 0, count: 0x3000)
        func put(_ o: Int, _ v: UInt64, _ n: Int) { for k in 0..<n { b[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) } }
        b.replaceSubrange(0..<6, with: [0x7f, 0x45, 0x4c, 0x46, 2, 1])
        put(16, 3, 2); put(18, 62, 2); put(24, 0x10, 8); put(32, 64, 8); put(54, 56, 2); put(56, 2, 2)
        for (i, (off, vaddr, flags)) in [(UInt64(0), UInt64(0), UInt64(5)), (0x1000, 0x11000, 6)].enumerated() {
            let o = 64 + 56 * i
            put(o, 1, 4); put(o + 4, flags, 4); put(o + 8, off, 8); put(o + 16, vaddr, 8)
            put(o + 32, 0x100, 8); put(o + 40, 0x100, 8); put(o + 48, 0x1000, 8)
        }
        let elf = try ELFFile.parse(b)
        let space = RecordingAddressSpace()
        let m = try ImageMapper.map(elf, hostFD: 3, placement: .anywhere, into: space)
        #expect(m.end - m.start == 0x12000)
        #expect(space.ops.last == .unmap(m.start + 0x1000, 0x10000))
        // memsz == filesz: nothing to zero.
        #expect(!space.ops.contains { if case .write = $0 { true } else { false } })
    }

    @Test func pieBaseIsRandomAndRetriesWhenTaken() throws {
        let plan = try ExecPlan.prepare(path: bytes("/bin/true"), argv: [bytes("true")], envp: [], open: hostOpen)
        var rng = SplitMix64(seed: 7)
        var probe = rng
        // The first random base is taken: the Loader tries the next one.
        let firstOffset = (probe.next() & ((1 << 28) - 1)) << 12
        let space = RecordingAddressSpace()
        space.taken = [(Loader.dynamicBase + firstOffset)..<(Loader.dynamicBase + firstOffset + 1)]
        let m = try Loader.mapProgram(plan.executable, hasInterpreter: true, into: space, avoid: 0..<0, rng: &rng)
        #expect(m.bias != Loader.dynamicBase + firstOffset)
        #expect(m.bias >= Loader.dynamicBase && m.bias < Loader.dynamicBase + (1 << 40))
        #expect(m.bias % 4096 == 0)
    }

    /// The whole Loader against the test process itself: map /bin/true and ld.so for real, build
    /// the stack in a buffer that stands for the stub's stack, and read everything back.
    @Test(arguments: [false, true])
    func loadsTrueIntoThisProcess(bigArguments: Bool) throws {
        let envp = bigArguments ? (0..<200).map { bytes("VAR\($0)=" + String(repeating: "v", count: 500)) } : [bytes("PATH=/bin")]
        let plan = try ExecPlan.prepare(path: bytes("/bin/true"), argv: [bytes("true"), bytes("--version")], envp: envp, open: hostOpen)
        let space = LocalAddressSpace()
        let stackSize = 256 * 1024
        let stackBase = try space.mapAnonymous(address: 0, length: UInt64(stackSize), prot: Mmap.PROT_READ | Mmap.PROT_WRITE,
                                               flags: Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS)
        let stubSP = stackBase + UInt64(stackSize) - 0x200
        let stub = StubImage(stackPointer: stubSP, vdsoBase: 0x7fff_1234_0000, randomAddress: stubSP + 0x100, stubBase: 0x1000, stubSize: 0x11000)
        var rng = SplitMix64(seed: 99)
        let host = HostAuxv.current()
        let img = try Loader.load(plan, into: space, stub: stub, creds: Credentials(uid: 5, gid: 6), host: host, rng: &rng)
        // Unmap only what is ours for sure: other tests run in this process concurrently.
        defer {
            for (a, l) in space.stacks + [(stackBase, UInt64(stackSize))] { munmap(UnsafeMutableRawPointer(bitPattern: UInt(a)), Int(l)) }
        }

        let exe = plan.executable.elf, ld = plan.interpreter!.elf
        let trueBytes = readHostFile("/bin/true"), ldBytes = readHostFile("/lib64/ld-linux-x86-64.so.2")
        #expect(img.programEntry == img.base + exe.entry)
        #expect(img.entry == img.interpreterBase + ld.entry)
        #expect(img.base >= Loader.dynamicBase && img.base % 4096 == 0)
        #expect(img.interpreterBase != 0 && img.interpreterBase % 4096 == 0)
        // Mapped bytes are the files' bytes: headers, program headers at AT_PHDR, code at the entries.
        #expect(space.read(img.base, 64) == Array(trueBytes[0..<64]))
        #expect(space.read(img.phdr, 56 * exe.phnum) == Array(trueBytes[Int(exe.phoff)..<Int(exe.phoff) + 56 * exe.phnum]))
        #expect(space.read(img.interpreterBase, 4) == [0x7f, 0x45, 0x4c, 0x46])
        let text = ld.loads.first { $0.flags & ELF.PF_X != 0 }!
        let entryOffset = Int(ld.entry - text.vaddr + text.offset)
        #expect(space.read(img.entry, 32) == Array(ldBytes[entryOffset..<entryOffset + 32]))
        // Data segments: file bytes up to p_filesz, zeros up to the page end and in the bss.
        for (elf, bias, file) in [(exe, img.base, trueBytes), (ld, img.interpreterBase, ldBytes)] {
            let rw = elf.loads.first { $0.flags & ELF.PF_W != 0 }!
            #expect(space.read(bias + rw.vaddr, Int(rw.filesz)) == Array(file[Int(rw.offset)..<Int(rw.offset + rw.filesz)]))
            let zeroEnd = (bias + rw.vaddr + rw.memsz + 4095) & ~4095
            let zeros = space.read(bias + rw.vaddr + rw.filesz, Int(zeroEnd - (bias + rw.vaddr + rw.filesz)))
            #expect(zeros.allSatisfy { $0 == 0 })
        }
        #expect(img.brk == (img.base + exe.loads.last!.vaddr + exe.loads.last!.memsz + 4095) & ~4095)

        // The stack.
        let sp = img.stackPointer
        #expect(sp % 16 == 0)
        if bigArguments {
            #expect(sp < stackBase || sp > stackBase + UInt64(stackSize), "a fresh stack mapping")
        } else {
            #expect(sp > stackBase && img.stackTop <= stubSP, "below the stub's own stack pointer")
        }
        #expect(space.word(sp) == 2)
        #expect(space.cString(space.word(sp + 8)) == bytes("true"))
        #expect(space.cString(space.word(sp + 16)) == bytes("--version"))
        #expect(space.word(sp + 24) == 0)
        var p = sp + 32
        for e in envp { #expect(space.cString(space.word(p)) == e); p += 8 }
        #expect(space.word(p) == 0)
        p += 8
        var aux: [UInt64: UInt64] = [:]
        while space.word(p) != 0 { aux[space.word(p)] = space.word(p + 8); p += 16 }
        #expect(aux[Auxv.AT_PHDR] == img.phdr)
        #expect(aux[Auxv.AT_ENTRY] == img.programEntry)
        #expect(aux[Auxv.AT_BASE] == img.interpreterBase)
        #expect(aux[Auxv.AT_SYSINFO_EHDR] == 0x7fff_1234_0000)
        #expect(aux[Auxv.AT_UID] == 5 && aux[Auxv.AT_GID] == 6)
        #expect(aux[Auxv.AT_HWCAP] == host.hwcap)
        #expect(space.cString(aux[Auxv.AT_EXECFN]!) == bytes("/bin/true"))
        #expect(space.cString(aux[Auxv.AT_PLATFORM]!) == bytes("x86_64"))
        #expect(space.read(aux[Auxv.AT_RANDOM]!, 16) != [UInt8](repeating: 0, count: 16))
        for (a, l) in [(img.base, exe.spanSize), (img.interpreterBase, ld.spanSize)] { munmap(UnsafeMutableRawPointer(bitPattern: UInt(a)), Int(l)) }
    }
}
