// Everything execve decides before the point of no return: which files run (following `#!`
// and PT_INTERP), the final argv, and validated ELF headers. Pure with respect to the task:
// a failure here leaves the caller's image intact and execve returns the errno.

import Glibc
import SystemPackage

/// A file the Loader maps: the open description (kept open so its host fd stays valid),
/// its validated ELF headers, and the path it was opened by.
public struct ExecFile {
    public let file: FileDescription
    public let elf: ELFFile
    public let path: [UInt8]
    public let hostFD: Int32
}

public struct ExecPlan {
    /// The path passed to execve: AT_EXECFN and the source of comm.
    public let filename: [UInt8]
    /// The program that actually runs (a script's interpreter): for /proc/PID/exe.
    public let executablePath: [UInt8]
    /// comm after exec: the basename of `filename`, 15 bytes at most (__set_task_comm).
    public let comm: [UInt8]
    public let argv: [[UInt8]]
    public let envp: [[UInt8]]
    public let executable: ExecFile
    /// The PT_INTERP program (the dynamic linker), when the executable names one.
    public let interpreter: ExecFile?
    /// How many `#!` rewrites led to `executable`.
    public let scriptDepth: Int

    /// Resolves `path` through `open` (which does the VFS walk and the permission checks and
    /// returns a description with a host fd), follows `#!` up to Linux's depth, validates the
    /// ELF and opens and validates its PT_INTERP.
    /// Errors: those of `open`; ENOEXEC for an unknown format or a malformed ELF/script (also
    /// for a file without a host fd, which cannot be mapped); ELOOP past the `#!` depth;
    /// ELIBBAD for an interpreter that is not a valid x86_64 ELF.
    public static func prepare(path: [UInt8], argv: [[UInt8]], envp: [[UInt8]],
                               open: ([UInt8]) throws(Errno) -> FileDescription) throws(Errno) -> ExecPlan {
        // Linux 5.18+: an empty argv becomes [""] so argv[0] always exists.
        var argv = argv.isEmpty ? [[]] : argv
        var current = path
        var file = try open(current)
        var depth = 0
        while true {
            if depth > Shebang.maximumDepth { throw .tooManySymbolicLinkLevels }
            guard let fd = file.hostFD else { throw .execFormatError }
            let head = try readHost(fd, at: 0, count: Shebang.bufferSize)
            if head.count >= 2 && head[0] == UInt8(ascii: "#") && head[1] == UInt8(ascii: "!") {
                guard let script = Shebang.parse(head) else { throw .execFormatError }
                // An empty interpreter ("#!" then NULs): Linux 6.18 answers EACCES (measured).
                if script.interpreter.isEmpty { throw .permissionDenied }
                argv = script.rewrite(argv: argv, scriptPath: current)
                current = script.interpreter
                file = try open(current)
                depth += 1
                continue
            }
            let elf = try ELFFile.read { (o: UInt64, n: Int) throws(Errno) -> [UInt8] in try readHost(fd, at: o, count: n) }
            let executable = ExecFile(file: file, elf: elf, path: current, hostFD: fd)
            var interpreter: ExecFile?
            if let ipath = elf.interpreterPath {
                let ifile = try open(ipath)
                guard let ifd = ifile.hostFD else { throw Errno(rawValue: 80) }   // ELIBBAD
                let ielf: ELFFile
                do {
                    ielf = try ELFFile.read { (o: UInt64, n: Int) throws(Errno) -> [UInt8] in try readHost(ifd, at: o, count: n) }
                } catch {
                    // load_elf_binary answers ELIBBAD for a bad interpreter.
                    throw error == .execFormatError ? Errno(rawValue: 80) : error
                }
                interpreter = ExecFile(file: ifile, elf: ielf, path: ipath, hostFD: ifd)
            }
            let base = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).last.map(Array.init) ?? []
            return ExecPlan(filename: path, executablePath: file.path ?? current, comm: Array(base.prefix(15)),
                            argv: argv, envp: envp, executable: executable, interpreter: interpreter, scriptDepth: depth)
        }
    }

    /// pread on a host fd until `count` bytes or end of file.
    static func readHost(_ fd: Int32, at offset: UInt64, count: Int) throws(Errno) -> [UInt8] {
        guard count > 0, offset <= UInt64(Int64.max) - UInt64(count) else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { b in
                Glibc.pread(fd, b.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            if n == 0 { break }
            done += n
        }
        out.removeLast(count - done)
        return out
    }
}
