import CHusk
import Glibc
import SystemPackage

/// Turns a libseccomp filter into the raw BPF program that a child loads with
/// prctl(PR_SET_SECCOMP) (async-signal-safe, unlike libseccomp itself after a fork).
public enum SeccompProgram {
    /// At most 4096 instructions, BPF_MAXINSNS.
    public static func export(_ ctx: scmp_filter_ctx, name: String) throws(Errno) -> [UInt8] {
        let fd = Int32(truncatingIfNeeded: chusk_memfd_create(name, 1 /* MFD_CLOEXEC */))
        if fd < 0 { throw Errno(rawValue: -fd) }
        defer { close(fd) }
        let rc = seccomp_export_bpf(ctx, fd)
        if rc < 0 { throw Errno(rawValue: -rc) }
        let size = Int(lseek(fd, 0, SEEK_END))
        guard size > 0, size % 8 == 0, size / 8 <= 4096 else { throw Errno.invalidArgument }
        var program = [UInt8](repeating: 0, count: size)
        let got = program.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
        guard got == size else { throw Errno.ioError }
        return program
    }
}
