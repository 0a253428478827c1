// The initial process stack, laid out like fs/exec.c + create_elf_tables in fs/binfmt_elf.c,
// built as a pure function into one local buffer so the Loader writes it with ONE writeMemory.
//
// From `top` downwards:
//   8 zero bytes                      (bprm->p starts at vm_end - sizeof(void *))
//   execfn string                     (AT_EXECFN; copied first, so highest)
//   envp strings, argv strings        (argv[0] lowest)
//   random 0…8191 bytes, 16-aligned   (arch_align_stack)
//   "x86_64\0"                        (AT_PLATFORM)
//   16 random bytes                   (AT_RANDOM)
//   padding so that sp is 16-aligned
//   auxv pairs, AT_NULL
//   NULL, envp pointers
//   NULL, argv pointers
//   argc                              <- sp

import LinuxABI

public struct StackImage: Sendable {
    /// The bytes from `stackPointer` up to `top`.
    public var bytes: [UInt8]
    /// Where `bytes` start: the initial rsp (points at argc), 16-byte aligned.
    public var stackPointer: UInt64
    public var top: UInt64
    public var argvAddress: UInt64
    public var envpAddress: UInt64
    public var auxvAddress: UInt64
    public var argStrings: [UInt64]
    public var envStrings: [UInt64]
    public var execfnAddress: UInt64
    public var platformAddress: UInt64
    public var randomAddress: UInt64

    public static let platform: [UInt8] = Array("x86_64".utf8)

    /// An upper bound of the image size, to choose where it goes before building it.
    public static func maximumSize(argv: [[UInt8]], envp: [[UInt8]], execfn: [UInt8], auxvCount: Int, alignPad: Int) -> Int {
        var n = 8 + execfn.count + 1
        for s in argv { n += s.count + 1 }
        for s in envp { n += s.count + 1 }
        n += alignPad + 15 + platform.count + 1 + 16
        n += 8 * (1 + argv.count + 1 + envp.count + 1) + 16 * (auxvCount + 1) + 15
        return n
    }

    /// Builds the image ending at `top`. `auxv` lists (type, value) pairs in order without
    /// AT_NULL; the values of AT_RANDOM, AT_EXECFN and AT_PLATFORM are filled in here.
    /// `alignPad` is arch_align_stack's random offset (0…8191; 0 in tests).
    public static func build(top: UInt64, argv: [[UInt8]], envp: [[UInt8]], execfn: [UInt8],
                             random: [UInt8], auxv: [(UInt64, UInt64)], alignPad: Int = 0) -> StackImage {
        precondition(random.count == 16 && alignPad >= 0)
        // Strings, addressed downwards from top.
        var p = top - 8
        func place(_ s: [UInt8]) -> UInt64 { p -= UInt64(s.count + 1); return p }
        let execfnAddress = place(execfn)
        var envStrings = [UInt64](repeating: 0, count: envp.count)
        for i in envp.indices.reversed() { envStrings[i] = place(envp[i]) }
        var argStrings = [UInt64](repeating: 0, count: argv.count)
        for i in argv.indices.reversed() { argStrings[i] = place(argv[i]) }
        p = (p - UInt64(alignPad)) & ~15
        let platformAddress = place(platform)
        p -= 16
        let randomAddress = p

        // The tables: argc, argv, NULL, envp, NULL, auxv…, AT_NULL, rounded so sp is 16-aligned.
        var aux = auxv
        for i in aux.indices {
            switch aux[i].0 {
            case Auxv.AT_RANDOM: aux[i].1 = randomAddress     // AT_RANDOM
            case Auxv.AT_EXECFN: aux[i].1 = execfnAddress     // AT_EXECFN
            case Auxv.AT_PLATFORM: aux[i].1 = platformAddress   // AT_PLATFORM
            default: break
            }
        }
        aux.append((0, 0))
        let auxWords = aux.count * 2
        let items = (argv.count + 1) + (envp.count + 1) + 1
        let sp = (p - UInt64(auxWords * 8) - UInt64(items * 8)) & ~15

        var bytes = [UInt8](repeating: 0, count: Int(top - sp))
        func put64(_ address: UInt64, _ v: UInt64) {
            let o = Int(address - sp)
            for k in 0..<8 { bytes[o + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        }
        func putBytes(_ address: UInt64, _ s: [UInt8]) {
            let o = Int(address - sp)
            for (k, c) in s.enumerated() { bytes[o + k] = c }   // NUL already there
        }
        putBytes(execfnAddress, execfn)
        for i in envp.indices { putBytes(envStrings[i], envp[i]) }
        for i in argv.indices { putBytes(argStrings[i], argv[i]) }
        putBytes(platformAddress, platform)
        putBytes(randomAddress, random)

        var w = sp
        put64(w, UInt64(argv.count)); w += 8
        let argvAddress = w
        for a in argStrings { put64(w, a); w += 8 }
        put64(w, 0); w += 8
        let envpAddress = w
        for e in envStrings { put64(w, e); w += 8 }
        put64(w, 0); w += 8
        let auxvAddress = w
        for (k, v) in aux { put64(w, k); put64(w + 8, v); w += 16 }

        return StackImage(bytes: bytes, stackPointer: sp, top: top, argvAddress: argvAddress, envpAddress: envpAddress,
                          auxvAddress: auxvAddress, argStrings: argStrings, envStrings: envStrings,
                          execfnAddress: execfnAddress, platformAddress: platformAddress, randomAddress: randomAddress)
    }
}
