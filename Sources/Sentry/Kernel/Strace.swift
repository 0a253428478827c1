import Glibc
import Platform
import LinuxABI

/// `--strace`: each served syscall with decoded arguments and its result, in strace's format,
/// on the Sentry's stderr (husk run's stderr, not the program's).
public final class Strace {
    private var pendingLine: [HostTID: String] = [:]
    private let fd: Int32
    public init(fd: Int32 = 2) { self.fd = fd }

    func enter(_ task: Task, _ args: SyscallArguments) {
        let kinds = SyscallTable.entry(args.number)?.args
        let count = kinds?.count ?? 6
        var parts: [String] = []
        for i in 0..<count {
            parts.append(format(task, kinds?[i] ?? .hex, args[i]))
        }
        let prefix = task.kernel.tasks.count > 1 ? "[pid \(task.tid)] " : ""
        pendingLine[task.hostTID] = prefix + SyscallTable.name(args.number) + "(" + parts.joined(separator: ", ") + ")"
    }

    func exit(_ task: Task, _ args: SyscallArguments, _ result: Int64) {
        guard let line = pendingLine.removeValue(forKey: task.hostTID) else { return }
        var out = line + " = "
        if result < 0 && result > -4096 {
            let e = Int32(-result)
            out += "-1 \(errnoName(e) ?? String(e)) (\(String(cString: strerror(e))))"
        } else if args.number == SyscallNumber.mmap {
            out += "0x" + String(UInt64(bitPattern: result), radix: 16)
        } else {
            out += String(result)
        }
        emit(out)
    }

    func native(_ task: Task, _ args: SyscallArguments) {
        guard let line = pendingLine.removeValue(forKey: task.hostTID) else { return }
        emit(line + " = ? <host>")
    }

    private func emit(_ line: String) {
        var s = line
        s.append("\n")
        s.withUTF8 { b in _ = Glibc.write(fd, b.baseAddress, b.count) }
    }

    private func format(_ task: Task, _ kind: SyscallArgFormat, _ v: UInt64) -> String {
        switch kind {
        case .int: return String(Int64(bitPattern: v))
        case .hex: return "0x" + String(v, radix: 16)
        case .ptr: return v == 0 ? "NULL" : "0x" + String(v, radix: 16)
        case .fd:
            let fd = Int32(truncatingIfNeeded: v)
            return fd == -100 ? "AT_FDCWD" : String(fd)
        case .path, .string:
            guard v != 0 else { return "NULL" }
            let max = kind == .path ? 4096 : 32
            guard let bytes = try? task.copyInString(v, maximum: max) else { return "0x" + String(v, radix: 16) }
            return quote(bytes)
        case .openFlags: return Strace.openFlags(Int32(truncatingIfNeeded: v))
        }
    }

    private func quote(_ bytes: [UInt8]) -> String {
        var s = "\""
        for b in bytes.prefix(64) {
            switch b {
            case 0x22: s += "\\\""
            case 0x5c: s += "\\\\"
            case 0x0a: s += "\\n"
            case 0x09: s += "\\t"
            case 0x20..<0x7f: s.unicodeScalars.append(Unicode.Scalar(b))
            default: s += "\\x" + String(b, radix: 16)
            }
        }
        s += bytes.count > 64 ? "\"..." : "\""
        return s
    }

    static func openFlags(_ f: Int32) -> String {
        var names: [String] = []
        switch f & 3 {
        case 0: names.append("O_RDONLY")
        case 1: names.append("O_WRONLY")
        default: names.append("O_RDWR")
        }
        let known: [(Int32, String)] = [
            (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o400, "O_NOCTTY"), (0o1000, "O_TRUNC"),
            (0o2000, "O_APPEND"), (0o4000, "O_NONBLOCK"), (0o200000, "O_DIRECTORY"),
            (0o400000, "O_NOFOLLOW"), (0o2000000, "O_CLOEXEC"), (0o10000000, "O_PATH"),
        ]
        var rest = f & ~3
        for (bit, name) in known where rest & bit != 0 { names.append(name); rest &= ~bit }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return names.joined(separator: "|")
    }
}
