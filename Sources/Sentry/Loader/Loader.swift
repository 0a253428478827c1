// execve after the point of no return: the task already is a fresh stub image (the Kernel
// called platform.execStub). Map the program and its interpreter, build the initial stack,
// set the entry registers. Any failure leaves the task unusable: the caller kills it.
//
// Placement follows Linux x86_64: ET_EXEC at its addresses; a PIE with PT_INTERP at
// ELF_ET_DYN_BASE (2/3 of the address space) plus a random page offset of up to 28 bits
// (arch_mmap_rnd), aligned to its largest p_align; the interpreter and a PIE without PT_INTERP
// wherever mmap puts them (near the stub and the vDSO).
//
// The stack: the stub's stack VMA is a real grows-down stack with ~128 KiB the kernel already
// populated below the stub's rsp (setup_arg_pages' stack_expand). An image up to
// `inPlaceStackLimit` is written right below the stub's own argc and the program keeps that
// VMA (it grows on faults as usual). A larger one (long argv/envp, up to ARG_MAX) gets a fresh
// MAP_GROWSDOWN|MAP_STACK mapping 16 MiB below the stub stack (or where mmap finds room):
// remote writes cannot fault-extend a stack VMA on kernels ≥ 6.5, so we map it explicitly.

import CHusk
import Glibc
import LinuxABI
import Platform
import SystemPackage

/// What the Kernel records about a loaded program.
public struct LoadedImage: Sendable, Equatable {
    /// Where the task starts: the interpreter's entry, or the program's.
    public var entry: UInt64
    /// AT_ENTRY: the program's own entry.
    public var programEntry: UInt64
    /// The program's load bias (0 for ET_EXEC).
    public var base: UInt64
    /// AT_BASE: the interpreter's load bias (0 without one).
    public var interpreterBase: UInt64
    /// Linux's start_brk (the page after the program's bss). The host brk of the task is
    /// still the stub's: see the Loader's report.
    public var brk: UInt64
    /// The initial rsp (argc) and the top of the initial stack image.
    public var stackPointer: UInt64
    public var stackTop: UInt64
    /// AT_PHDR.
    public var phdr: UInt64
    /// The auxiliary vector as written on the stack, AT_NULL included (/proc/PID/auxv).
    public var auxv: [UInt8] = []
}

/// Kernel-wide auxv values: the Sentry runs on the same kernel and CPU as its tasks, so its
/// own auxiliary vector has the right AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ and AT_RSEQ_* values.
public struct HostAuxv: Sendable, Equatable {
    public var hwcap: UInt64
    public var hwcap2: UInt64
    public var minSigStackSize: UInt64
    public var clockTicks: UInt64
    public var rseqFeatureSize: UInt64
    public var rseqAlign: UInt64

    public init(hwcap: UInt64, hwcap2: UInt64, minSigStackSize: UInt64, clockTicks: UInt64, rseqFeatureSize: UInt64, rseqAlign: UInt64) {
        self.hwcap = hwcap; self.hwcap2 = hwcap2; self.minSigStackSize = minSigStackSize
        self.clockTicks = clockTicks; self.rseqFeatureSize = rseqFeatureSize; self.rseqAlign = rseqAlign
    }

    public static func current() -> HostAuxv {
        func get(_ t: UInt64) -> UInt64 { UInt64(chusk_getauxval(UInt(t))) }
        let ticks = get(Auxv.AT_CLKTCK)
        return HostAuxv(hwcap: get(Auxv.AT_HWCAP), hwcap2: get(Auxv.AT_HWCAP2), minSigStackSize: get(Auxv.AT_MINSIGSTKSZ),
                        clockTicks: ticks == 0 ? 100 : ticks, rseqFeatureSize: get(Auxv.AT_RSEQ_FEATURE_SIZE),
                        rseqAlign: get(Auxv.AT_RSEQ_ALIGN))
    }
}

public enum Loader {
    /// ELF_ET_DYN_BASE on x86_64: DEFAULT_MAP_WINDOW / 3 * 2, page-aligned.
    public static let dynamicBase: UInt64 = (0x7fff_ffff_f000 / 3 * 2) & ~0xfff
    /// mmap_rnd_bits: the PIE base moves by up to 2^28 pages.
    public static let randomBits: UInt64 = 28
    /// The largest stack image written below the stub's rsp (see the file comment).
    public static let inPlaceStackLimit = 64 * 1024
    /// Room left below a freshly mapped stack image before the grows-down mapping must grow.
    static let freshStackSlack: UInt64 = 128 * 1024

    /// Loads `plan` into `task`, which must be stopped as a fresh stub image.
    @discardableResult
    public static func load(_ plan: ExecPlan, into task: Task) throws(Errno) -> LoadedImage {
        let platform = task.platform
        let stub = try platform.stubImage(task.hostTID)
        let space = TaskAddressSpace(task)
        defer { space.finish() }
        var rng = SystemRandomNumberGenerator()
        let image = try load(plan, into: space, stub: stub, creds: task.creds, host: HostAuxv.current(), rng: &rng)
        task.group.auxv = image.auxv
        try platform.setEntryRegisters(task.hostTID, ip: image.entry, sp: image.stackPointer)
        return image
    }

    /// The Loader's work on any address space (tests use the test process or a fake).
    public static func load(_ plan: ExecPlan, into space: LoaderAddressSpace, stub: StubImage, creds: Credentials,
                            host: HostAuxv, rng: inout some RandomNumberGenerator) throws(Errno) -> LoadedImage {
        let avoid = stub.stubBase..<(stub.stubBase &+ stub.stubSize)
        let program = try mapProgram(plan.executable, hasInterpreter: plan.interpreter != nil, into: space, avoid: avoid, rng: &rng)
        var interpreter: MappedImage?
        if let i = plan.interpreter {
            interpreter = try ImageMapper.map(i.elf, hostFD: i.hostFD, placement: .anywhere, into: space, avoid: avoid)
        }
        let elf = plan.executable.elf

        var random = [UInt8](repeating: 0, count: 16)
        for i in 0..<2 {
            let v = rng.next()
            for k in 0..<8 { random[i * 8 + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
        }
        let alignPad = Int(rng.next() % 8192)
        let aux = auxiliaryVector(program: program, elf: elf, interpreterBase: interpreter?.bias ?? 0,
                                  vdso: stub.vdsoBase, creds: creds, host: host)
        let size = StackImage.maximumSize(argv: plan.argv, envp: plan.envp, execfn: plan.filename, auxvCount: aux.count, alignPad: alignPad)
        let stackProt = Mmap.PROT_READ | Mmap.PROT_WRITE | (elf.executableStack ? Mmap.PROT_EXEC : 0)

        let top: UInt64
        let inPlace = size <= inPlaceStackLimit
        if inPlace {
            top = stub.stackPointer & ~15
        } else {
            let length = ImageMapper.pageUp(UInt64(size)) + freshStackSlack
            let hint = ImageMapper.pageDown(stub.stackPointer) &- (16 << 20) &- length
            let r = try space.mapAnonymous(address: hint, length: length, prot: stackProt,
                                           flags: Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS | Mmap.MAP_GROWSDOWN | Mmap.MAP_STACK)
            top = r + length
        }
        let stack = StackImage.build(top: top, argv: plan.argv, envp: plan.envp, execfn: plan.filename,
                                     random: random, auxv: aux, alignPad: alignPad)
        try space.write(stack.stackPointer, stack.bytes)
        if inPlace && elf.executableStack {
            // PT_GNU_STACK with PF_X: the whole stack VMA becomes executable (setup_arg_pages).
            let low = ImageMapper.pageDown(stack.stackPointer)
            try space.protect(low, length: ImageMapper.pageUp(top) - low, prot: stackProt | Mmap.PROT_GROWSDOWN)
        }
        let auxvStart = Int(stack.auxvAddress - stack.stackPointer)
        return LoadedImage(entry: interpreter?.entry ?? program.entry, programEntry: program.entry, base: program.bias,
                           interpreterBase: interpreter?.bias ?? 0, brk: program.brk,
                           stackPointer: stack.stackPointer, stackTop: top, phdr: program.phdr,
                           auxv: Array(stack.bytes[auxvStart..<(auxvStart + 16 * (aux.count + 1))]))
    }

    static func mapProgram(_ exe: ExecFile, hasInterpreter: Bool, into space: LoaderAddressSpace, avoid: Range<UInt64>,
                           rng: inout some RandomNumberGenerator) throws(Errno) -> MappedImage {
        let elf = exe.elf
        if !elf.isDynamic {
            return try ImageMapper.map(elf, hostFD: exe.hostFD, placement: .fixed, into: space, avoid: avoid)
        }
        if hasInterpreter {
            // A few random bases, then wherever mmap finds room.
            let align = elf.maximumAlignment
            for _ in 0..<4 {
                let offset = (rng.next() & ((1 << randomBits) - 1)) << 12
                let bias = ImageMapper.pageDown(dynamicBase + offset &- elf.spanStart) & ~(align - 1)
                do {
                    return try ImageMapper.map(elf, hostFD: exe.hostFD, placement: .bias(bias), into: space, avoid: avoid)
                } catch .fileExists {
                    continue
                }
            }
        }
        return try ImageMapper.map(elf, hostFD: exe.hostFD, placement: .anywhere, into: space, avoid: avoid)
    }

    /// The auxiliary vector in create_elf_tables' order (AT_NULL is added by StackImage, which
    /// also fills in AT_RANDOM, AT_EXECFN and AT_PLATFORM).
    public static func auxiliaryVector(program: MappedImage, elf: ELFFile, interpreterBase: UInt64, vdso: UInt64,
                                       creds: Credentials, host: HostAuxv) -> [(UInt64, UInt64)] {
        var a: [(UInt64, UInt64)] = []
        if vdso != 0 { a.append((Auxv.AT_SYSINFO_EHDR, vdso)) }
        if host.minSigStackSize != 0 { a.append((Auxv.AT_MINSIGSTKSZ, host.minSigStackSize)) }
        a.append((Auxv.AT_HWCAP, host.hwcap))
        a.append((Auxv.AT_PAGESZ, ELF.pageSize))
        a.append((Auxv.AT_CLKTCK, host.clockTicks))
        a.append((Auxv.AT_PHDR, program.phdr))
        a.append((Auxv.AT_PHENT, UInt64(ELF.phdrSize)))
        a.append((Auxv.AT_PHNUM, UInt64(elf.phnum)))
        a.append((Auxv.AT_BASE, interpreterBase))
        a.append((Auxv.AT_FLAGS, 0))
        a.append((Auxv.AT_ENTRY, program.entry))
        a.append((Auxv.AT_UID, UInt64(creds.uid)))
        a.append((Auxv.AT_EUID, UInt64(creds.euid)))
        a.append((Auxv.AT_GID, UInt64(creds.gid)))
        a.append((Auxv.AT_EGID, UInt64(creds.egid)))
        a.append((Auxv.AT_SECURE, 0))
        a.append((Auxv.AT_RANDOM, 0))
        a.append((Auxv.AT_HWCAP2, host.hwcap2))
        a.append((Auxv.AT_EXECFN, 0))
        a.append((Auxv.AT_PLATFORM, 0))
        if host.rseqFeatureSize != 0 {
            a.append((Auxv.AT_RSEQ_FEATURE_SIZE, host.rseqFeatureSize))
            a.append((Auxv.AT_RSEQ_ALIGN, host.rseqAlign))
        }
        return a
    }
}
