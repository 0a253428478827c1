import Glibc
import SystemPackage

/// Small whole-file helpers for /proc and cgroupfs, where files are tiny and errors matter.
public enum HostFS {
    public static func read(_ path: String) throws(Errno) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw Errno(rawValue: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw Errno(rawValue: errno) }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One write(2) of the whole string, as cgroupfs wants (a value per write).
    public static func write(_ path: String, _ text: String) throws(Errno) {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        if fd < 0 { throw Errno(rawValue: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw Errno(rawValue: errno) }
        if n != bytes.count { throw Errno.ioError }
    }

    /// Creates a plain file (for tests and staging); truncates an existing one.
    public static func create(_ path: String, _ text: String = "", mode: mode_t = 0o644) throws(Errno) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        if fd < 0 { throw Errno(rawValue: errno) }
        close(fd)
        if !text.isEmpty { try write(path, text) }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// mkdir that accepts an existing directory; returns true when it created it.
    @discardableResult
    public static func mkdirIfMissing(_ path: String, mode: mode_t = 0o755) throws(Errno) -> Bool {
        if mkdir(path, mode) == 0 { return true }
        let e = errno
        if e == EEXIST && isDirectory(path) { return false }
        throw Errno(rawValue: e)
    }

    public static func readlink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = Glibc.readlink(path, &buf, 4096)
        if n < 0 { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func realpath(_ path: String) throws(Errno) -> String {
        guard let p = Glibc.realpath(path, nil) else { throw Errno(rawValue: errno) }
        defer { free(p) }
        return String(cString: p)
    }
}
