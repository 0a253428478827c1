// Helpers of the Platform tests: compiling freestanding fixtures and waiting for events.

import CHusk
import Sentry
import Glibc
import Platform
import SystemPackage
import Testing

enum Fixture {
    /// A raw syscall helper and a `_start` for freestanding static programs (no libc, so the
    /// only syscalls are the ones the test expects).
    static let prelude = """
    static long sc(long n, long a, long b, long c, long d, long e, long f) {
        register long r10 __asm__("r10") = d; register long r8 __asm__("r8") = e; register long r9 __asm__("r9") = f;
        long ret;
        __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
        return ret;
    }
    """

    /// Compiles C source into a static binary and returns an O_RDONLY|O_CLOEXEC fd of it.
    static func build(_ name: String, _ body: String) throws -> Int32 {
        let dir = "/tmp/husk-platform-tests-\(getpid())"
        mkdir(dir, 0o700)
        let src = "\(dir)/\(name).c", exe = "\(dir)/\(name)"
        let f = fopen(src, "w")!
        fputs(prelude + "\n" + body, f)
        fclose(f)
        let cmd = "gcc -O1 -static -nostdlib -fno-pie -no-pie -fno-stack-protector -fcf-protection=none -o \(exe) \(src) 2>&1"
        #expect(system(cmd) == 0)
        let fd = open(exe, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw Errno(rawValue: errno) }
        return fd
    }
}

/// The next event, polling the platform's eventFD (with a timeout as SIGCHLD may be taken by
/// another test thread that does not block it).
func waitEvent(_ p: PtracePlatform, seconds: Int = 10) -> TaskEvent? {
    for _ in 0..<(seconds * 20) {
        if let e = p.nextEvent() { return e }
        var pfd = pollfd(fd: p.eventFD, events: Int16(POLLIN), revents: 0)
        _ = poll(&pfd, 1, 50)
    }
    return nil
}

/// Reads a whole small file.
func readFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return "" }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

func statusField(_ tid: Int32, _ key: String) -> String? {
    for line in readFile("/proc/\(tid)/status").split(separator: "\n") where line.hasPrefix(key + ":") {
        return line.dropFirst(key.count + 1).trimmingCharacters(inSetOfSpaces: ())
    }
    return nil
}

extension Substring {
    func trimmingCharacters(inSetOfSpaces: ()) -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

func listFDs(_ tid: Int32) -> [Int32] {
    guard let d = opendir("/proc/\(tid)/fd") else { return [] }
    defer { closedir(d) }
    var fds: [Int32] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if let n = Int32(name) { fds.append(n) }
    }
    return fds.sorted()
}

/// Kills a task and collects events until it is reaped.
func killAndReap(_ p: PtracePlatform, _ tid: Int32) {
    _ = kill(tid, SIGKILL)
    for _ in 0..<20 {
        guard let e = waitEvent(p, seconds: 2) else { return }
        switch e {
        case .exited(let t, _) where t == tid: return
        case .exiting(let t, _): try? p.resume(t, signal: 0)
        default: break
        }
    }
}

/// Waits for the task's exit (letting its exit event go) and tells whether SIGKILL ended it.
func diedOfSIGKILL(_ p: PtracePlatform, _ tid: Int32) -> Bool {
    for _ in 0..<10 {
        guard let e = waitEvent(p, seconds: 2) else { return false }
        if case .exited(let t, let st) = e, t == tid { return st & 0x7f == SIGKILL }
        if case .exiting(let t, _) = e { try? p.resume(t, signal: 0) }
    }
    return false
}

/// What a platform reported about the tasks it killed.
final class ReportedLines { var lines: [String] = [] }

/// A platform whose first task runs the stub, with its kill reports collected.
func startStubTask() throws -> (PtracePlatform, Int32, ReportedLines) {
    let p = try PtracePlatform(filter: SyscallTable.applicationFilter)
    let reported = ReportedLines()
    p.hostileReport = { reported.lines.append($0) }
    let stubFD = try makeStubMemfd()
    defer { close(stubFD) }
    let tid = try p.startFirstTask(FirstTaskSpec(argv: ["husk"], envp: [], fixedFDs: [], stubFD: stubFD))
    return (p, tid, reported)
}
