import Glibc
import LinuxABI
import Testing
@testable import Sentry
import SystemPackage

@Suite struct LoaderStackTests {
    func word(_ img: StackImage, _ address: UInt64) -> UInt64 {
        let o = Int(address - img.stackPointer)
        return (0..<8).reduce(0) { $0 | UInt64(img.bytes[o + $1]) << (8 * UInt64($1)) }
    }
    func cString(_ img: StackImage, _ address: UInt64) -> [UInt8] {
        Array(img.bytes[Int(address - img.stackPointer)...].prefix { $0 != 0 })
    }

    @Test(arguments: [0, 1, 8, 15, 4000, 8191])
    func layoutFieldByField(alignPad: Int) {
        let top: UInt64 = 0x7ffe_0000_1000
        let argv = [bytes("/bin/prog"), bytes(""), bytes("two words")]
        let envp = [bytes("HOME=/root"), bytes("A=")]
        let random = (0..<16).map { UInt8($0 * 3) }
        let aux: [(UInt64, UInt64)] = [(Auxv.AT_PAGESZ, 4096), (Auxv.AT_RANDOM, 0), (Auxv.AT_ENTRY, 0x401000),
                                       (Auxv.AT_EXECFN, 0), (Auxv.AT_PLATFORM, 0)]
        let img = StackImage.build(top: top, argv: argv, envp: envp, execfn: bytes("/usr/bin/prog"), random: random, auxv: aux, alignPad: alignPad)
        #expect(img.stackPointer % 16 == 0)
        #expect(img.stackPointer + UInt64(img.bytes.count) == top)
        #expect(img.bytes.count <= StackImage.maximumSize(argv: argv, envp: envp, execfn: bytes("/usr/bin/prog"), auxvCount: aux.count, alignPad: alignPad))
        // argc, argv[], NULL, envp[], NULL, auxv.
        var p = img.stackPointer
        #expect(word(img, p) == 3); p += 8
        #expect(p == img.argvAddress)
        for a in argv { #expect(cString(img, word(img, p)) == a); p += 8 }
        #expect(word(img, p) == 0); p += 8
        #expect(p == img.envpAddress)
        for e in envp { #expect(cString(img, word(img, p)) == e); p += 8 }
        #expect(word(img, p) == 0); p += 8
        #expect(p == img.auxvAddress)
        var seen: [(UInt64, UInt64)] = []
        while true {
            let k = word(img, p), v = word(img, p + 8)
            p += 16
            if k == 0 { #expect(v == 0); break }
            seen.append((k, v))
        }
        #expect(seen.map(\.0) == aux.map(\.0))
        let values = Dictionary(uniqueKeysWithValues: seen)
        #expect(values[Auxv.AT_PAGESZ] == 4096)
        #expect(values[Auxv.AT_ENTRY] == 0x401000)
        #expect(values[Auxv.AT_RANDOM] == img.randomAddress)
        #expect(Array(img.bytes[Int(img.randomAddress - img.stackPointer)..<Int(img.randomAddress - img.stackPointer) + 16]) == random)
        #expect(cString(img, values[Auxv.AT_EXECFN]!) == bytes("/usr/bin/prog"))
        #expect(cString(img, values[Auxv.AT_PLATFORM]!) == bytes("x86_64"))
        // Strings: argv[0] lowest, then the rest of argv, envp, execfn, then 8 zero bytes at top.
        #expect(img.argStrings == img.argStrings.sorted() && img.argStrings[2] < img.envStrings[0])
        #expect(img.envStrings[1] < img.execfnAddress)
        #expect(img.execfnAddress + UInt64(13 + 1) == top - 8)
        #expect(word(img, top - 8) == 0)
        // The platform string and the random bytes sit below the (padded) strings.
        #expect(img.platformAddress + 7 <= (img.argStrings[0] - UInt64(alignPad)) & ~15)
        #expect(img.randomAddress + 16 == img.platformAddress)
        #expect(p <= img.randomAddress)
        #expect(img.randomAddress - p < 16 + 16, "only alignment padding between auxv and AT_RANDOM")
    }

    @Test func emptyVectors() {
        let img = StackImage.build(top: 0x10000, argv: [], envp: [], execfn: [], random: [UInt8](repeating: 1, count: 16), auxv: [])
        #expect(word(img, img.stackPointer) == 0)
        #expect(word(img, img.argvAddress) == 0)
        #expect(word(img, img.envpAddress) == 0)
        #expect(word(img, img.auxvAddress) == 0 && word(img, img.auxvAddress + 8) == 0)
        #expect(img.stackPointer % 16 == 0)
    }

    /// The auxv types come in the order the kernel gave this very test process.
    @Test func auxvOrderMatchesTheKernel() throws {
        let raw = readHostFile("/proc/self/auxv")
        var kernelTypes: [UInt64] = []
        for i in stride(from: 0, to: raw.count - 15, by: 16) {
            let t = (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[i + $1]) << (8 * UInt64($1)) }
            if t == 0 { break }
            kernelTypes.append(t)
        }
        let elf = try ELFFile.parse(readHostFile("/bin/true"))
        let mapped = MappedImage(bias: 0x5555_0000_0000, start: 0x5555_0000_0000, end: 0x5555_0000_a000, entry: 0x5555_0000_23d0, phdr: 0x5555_0000_0040, brk: 0x5555_0000_a000)
        let aux = Loader.auxiliaryVector(program: mapped, elf: elf, interpreterBase: 0x7f00_0000_0000, vdso: 0x7fff_0000_0000,
                                         creds: Credentials(uid: 1000, gid: 100), host: HostAuxv.current())
        #expect(aux.map(\.0) == kernelTypes)
        let v = Dictionary(uniqueKeysWithValues: aux)
        #expect(v[Auxv.AT_PHDR] == 0x5555_0000_0040 && v[Auxv.AT_PHNUM] == 13 && v[Auxv.AT_PHENT] == 56)
        #expect(v[Auxv.AT_ENTRY] == 0x5555_0000_23d0 && v[Auxv.AT_BASE] == 0x7f00_0000_0000)
        #expect(v[Auxv.AT_UID] == 1000 && v[Auxv.AT_EUID] == 1000 && v[Auxv.AT_GID] == 100 && v[Auxv.AT_EGID] == 100)
        #expect(v[Auxv.AT_SYSINFO_EHDR] == 0x7fff_0000_0000)
        #expect(v[Auxv.AT_HWCAP] != 0 && v[Auxv.AT_PAGESZ] == 4096 && v[Auxv.AT_CLKTCK] == 100 && v[Auxv.AT_SECURE] == 0)
    }
}
