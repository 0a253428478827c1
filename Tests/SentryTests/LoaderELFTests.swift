import Glibc
import Testing
@testable import Sentry
import SystemPackage

/// What binutils' readelf says about a file: the oracle for real binaries.
struct ReadelfFacts {
    var type = ""
    var entry: UInt64 = 0
    var phnum = 0
    var loads: [(offset: UInt64, vaddr: UInt64, filesz: UInt64, memsz: UInt64, flags: String)] = []
    var interpreter: String?

    init(_ path: String) {
        guard let f = popen("readelf -hlW \(path) 2>/dev/null", "r") else { return }
        defer { pclose(f) }
        var line = [CChar](repeating: 0, count: 4096)
        func hex(_ s: Substring) -> UInt64 { UInt64(s.dropFirst(2), radix: 16) ?? 0 }
        while fgets(&line, Int32(line.count), f) != nil {
            let s = trimmed(line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
            let parts = s.split(separator: " ", omittingEmptySubsequences: true)
            if s.hasPrefix("Type:") { type = String(parts[1]) }
            if s.hasPrefix("Entry point address:") { entry = hex(parts.last!) }
            if s.hasPrefix("Number of program headers:") { phnum = Int(parts.last!)! }
            if s.hasPrefix("[Requesting program interpreter:") { interpreter = String(parts.last!.dropLast()) }
            if parts.first == "LOAD" {
                loads.append((hex(parts[1]), hex(parts[2]), hex(parts[4]), hex(parts[5]),
                              parts[6..<(parts.count - 1)].joined()))
            }
        }
    }
}

/// The string without surrounding spaces, tabs and newlines.
func trimmed(_ t: String) -> String {
    var s = Substring(t)
    while let c = s.first, c == " " || c == "\t" || c == "\n" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" || c == "\n" { s = s.dropLast() }
    return String(s)
}

@Suite struct LoaderELFTests {
    static let realBinaries = ["/bin/true", "/bin/busybox", "/lib64/ld-linux-x86-64.so.2"]

    @Test(arguments: realBinaries)
    func parsesRealBinariesLikeReadelf(path: String) throws {
        let facts = ReadelfFacts(path)
        #expect(facts.phnum > 0, "readelf must be installed and read \(path)")
        let elf = try ELFFile.parse(readHostFile(path))
        #expect(elf.entry == facts.entry)
        #expect(elf.phnum == facts.phnum)
        #expect(elf.isDynamic == (facts.type == "DYN"))
        #expect(elf.loads.count == facts.loads.count)
        for (l, f) in zip(elf.loads, facts.loads) {
            #expect(l.offset == f.offset && l.vaddr == f.vaddr && l.filesz == f.filesz && l.memsz == f.memsz)
            let flags = (f.flags.contains("R") ? ELF.PF_R : 0) | (f.flags.contains("W") ? ELF.PF_W : 0) | (f.flags.contains("E") ? ELF.PF_X : 0)
            #expect(l.flags == flags)
        }
        #expect(elf.interpreterPath.map { String(decoding: $0, as: UTF8.self) } == facts.interpreter)
        #expect(!elf.executableStack)
    }

    @Test func trueIsADynamicPIEWithTheStandardInterpreter() throws {
        let elf = try ELFFile.parse(readHostFile("/bin/true"))
        #expect(elf.type == ELF.ET_DYN)
        #expect(elf.interpreterPath == bytes("/lib64/ld-linux-x86-64.so.2"))
        // PT_PHDR and the PT_LOAD holding e_phoff agree.
        #expect(elf.phdrAddress == elf.programHeaders.first { $0.type == ELF.PT_PHDR }!.vaddr)
        #expect(elf.spanStart == 0)
    }

    @Test func busyboxIsStaticExec() throws {
        let elf = try ELFFile.parse(readHostFile("/bin/busybox"))
        #expect(elf.type == ELF.ET_EXEC)
        #expect(elf.interpreterPath == nil)
        // No PT_PHDR: the headers are found inside the first PT_LOAD (Linux 5.18+ rule).
        #expect(elf.programHeaders.contains { $0.type == ELF.PT_PHDR } == false)
        #expect(elf.phdrAddress == elf.loads[0].vaddr + elf.phoff)
        #expect(elf.spanStart == 0x400000)
    }

    // MARK: Malformed files are ENOEXEC, never a crash.

    static let trueBytes = readHostFile("/bin/true")

    func expectENOEXEC(_ b: [UInt8], _ comment: Comment? = nil) {
        #expect(throws: Errno.execFormatError, comment) { try ELFFile.parse(b) }
    }

    func patched(_ f: (inout [UInt8]) -> Void) -> [UInt8] {
        var b = Self.trueBytes
        f(&b)
        return b
    }
    func put16(_ b: inout [UInt8], _ o: Int, _ v: UInt16) { b[o] = UInt8(v & 0xff); b[o + 1] = UInt8(v >> 8) }
    func put32(_ b: inout [UInt8], _ o: Int, _ v: UInt32) { for k in 0..<4 { b[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) } }
    func put64(_ b: inout [UInt8], _ o: Int, _ v: UInt64) { for k in 0..<8 { b[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) } }
    /// The offset of the i-th program header of /bin/true.
    func ph(_ i: Int) -> Int { 64 + 56 * i }
    func firstIndex(ofType t: UInt32) -> Int {
        let elf = try! ELFFile.parse(Self.trueBytes)
        return elf.programHeaders.firstIndex { $0.type == t }!
    }

    @Test func truncatedHeadersAreRejected() {
        let tableEnd = 64 + 56 * 13
        for n in stride(from: 0, to: tableEnd, by: 7) { expectENOEXEC(Array(Self.trueBytes.prefix(n)), "prefix \(n)") }
        expectENOEXEC(Array(Self.trueBytes.prefix(tableEnd - 1)))
        expectENOEXEC([])
    }

    @Test func identificationIsChecked() {
        expectENOEXEC(patched { $0[0] = 0x7e }, "magic")
        expectENOEXEC(patched { $0[3] = 0x47 }, "magic")
        expectENOEXEC(patched { $0[4] = 1 }, "ELFCLASS32")
        expectENOEXEC(patched { $0[5] = 2 }, "big endian")
        expectENOEXEC(patched { put16(&$0, 18, 3) }, "EM_386")
        expectENOEXEC(patched { put16(&$0, 16, 1) }, "ET_REL")
        expectENOEXEC(patched { put16(&$0, 16, 4) }, "ET_CORE")
        expectENOEXEC(patched { put16(&$0, 54, 32) }, "phentsize")
        expectENOEXEC(patched { put16(&$0, 56, 0) }, "phnum 0")
        expectENOEXEC(patched { put16(&$0, 56, 0xffff) }, "phnum huge")
        expectENOEXEC(patched { put16(&$0, 56, 1171) }, "table > 64 KiB")
        expectENOEXEC(patched { put64(&$0, 32, UInt64.max - 16) }, "phoff overflows")
        expectENOEXEC(patched { put64(&$0, 32, 1 << 40) }, "phoff past EOF")
    }

    @Test func segmentSanityIsChecked() {
        let load = firstIndex(ofType: ELF.PT_LOAD) + 3   // the RW segment of /bin/true
        expectENOEXEC(patched { put64(&$0, ph(load) + 32, 0x10000) }, "filesz > memsz")
        expectENOEXEC(patched { put64(&$0, ph(load) + 16, 0x8d71) }, "vaddr not congruent to offset")
        expectENOEXEC(patched { put64(&$0, ph(load) + 16, UInt64.max - 0xfff + 0xd70) }, "vaddr + memsz overflows")
        expectENOEXEC(patched { put64(&$0, ph(load) + 16, 0x7fff_ffff_ed70) }, "beyond TASK_SIZE")
        expectENOEXEC(patched { put64(&$0, ph(load) + 40, UInt64.max) }, "memsz huge")
        expectENOEXEC(patched { put64(&$0, ph(load) + 8, UInt64.max - 0x28f) }, "offset + filesz overflows")
        expectENOEXEC(patched { put64(&$0, 24, 1 << 47) }, "entry beyond TASK_SIZE")
        // Turning every PT_LOAD into PT_NULL leaves nothing to map.
        expectENOEXEC(patched { b in for i in 0..<13 where b[ph(i)] == 1 && b[ph(i) + 1] == 0 { put32(&b, ph(i), 0) } }, "no PT_LOAD")
    }

    @Test func interpreterPathIsChecked() throws {
        let i = firstIndex(ofType: ELF.PT_INTERP)
        let interp = try ELFFile.parse(Self.trueBytes).programHeaders[i]
        expectENOEXEC(patched { put64(&$0, ph(i) + 32, 1) }, "too short")
        expectENOEXEC(patched { put64(&$0, ph(i) + 32, 4097) }, "longer than PATH_MAX")
        expectENOEXEC(patched { put64(&$0, ph(i) + 32, interp.filesz - 1) }, "not NUL-terminated")
        expectENOEXEC(patched { put64(&$0, ph(i) + 8, UInt64.max - 4) }, "offset overflows")
        expectENOEXEC(patched { put64(&$0, ph(i) + 8, 1 << 40) }, "past EOF")
        expectENOEXEC(patched { $0[Int(interp.offset)] = 0 }, "empty path")
        // A NUL inside the path ends it, like the C string Linux uses.
        let cut = try ELFFile.parse(patched { $0[Int(interp.offset) + 5] = 0 })
        #expect(cut.interpreterPath == bytes("/lib6"))
    }

    @Test func executableStackFlag() throws {
        let i = firstIndex(ofType: ELF.PT_GNU_STACK)
        let elf = try ELFFile.parse(patched { put32(&$0, ph(i) + 4, ELF.PF_R | ELF.PF_W | ELF.PF_X) })
        #expect(elf.executableStack)
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 0x1005)
        var parsed = 0
        for n in 0..<1000 {
            // Half pure noise, half noise behind a valid-looking identification.
            var b = (0..<Int(rng.next() % 2048)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n % 2 == 1 && b.count >= 20 {
                b.replaceSubrange(0..<6, with: [0x7f, 0x45, 0x4c, 0x46, 2, 1])
                b[16] = UInt8(rng.next() % 4); b[17] = 0; b[18] = 62; b[19] = 0
            }
            if (try? ELFFile.parse(b)) != nil { parsed += 1 }
        }
        #expect(parsed == 0)
    }

    @Test func mutatedRealHeadersNeverCrash() {
        var rng = SplitMix64(seed: 42)
        let head = Array(Self.trueBytes.prefix(4096))
        for _ in 0..<1000 {
            var b = head
            for _ in 0..<(1 + rng.next() % 8) {
                let o = Int(rng.next() % UInt64(64 + 56 * 13))
                b[o] = UInt8(truncatingIfNeeded: rng.next())
            }
            // Either a valid ELF (whose invariants hold) or ENOEXEC.
            do {
                let elf = try ELFFile.parse(b)
                #expect(elf.spanEnd <= ELF.taskSize && !elf.loads.isEmpty)
                for l in elf.loads { #expect(l.filesz <= l.memsz && (l.vaddr &- l.offset) % 4096 == 0) }
            } catch {
                #expect(error == .execFormatError)
            }
        }
    }
}
