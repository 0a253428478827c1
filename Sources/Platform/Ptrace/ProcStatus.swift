// Small readers of /proc/<tid>/status fields, without Foundation or allocation beyond a buffer.

import Glibc

enum ProcStatus {
    /// The whitespace-separated numbers of a field (e.g. "NSpid:" or "Tgid:").
    static func field(_ tid: Int32, _ name: StaticString) -> [Int64]? {
        var path = "/proc/\(tid)/status"
        let fd = path.withUTF8 { p -> Int32 in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: p.count + 1) { buf in
                for i in 0..<p.count { buf[i] = CChar(bitPattern: p[i]) }
                buf[p.count] = 0
                return open(buf.baseAddress!, O_RDONLY | O_CLOEXEC)
            }
        }
        if fd < 0 { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8192) { buf -> [Int64]? in
            var n = 0
            while n < buf.count {
                let r = read(fd, buf.baseAddress! + n, buf.count - n)
                if r <= 0 { break }
                n += r
            }
            let key = name.withUTF8Buffer { Array($0) }
            var i = 0
            while i < n {
                // at a line start
                var match = i + key.count <= n
                if match { for k in 0..<key.count where buf[i + k] != key[k] { match = false; break } }
                var j = i
                while j < n && buf[j] != 10 { j += 1 }
                if match {
                    var values: [Int64] = []
                    var cur: Int64 = 0, inNum = false
                    for p in (i + key.count)..<j {
                        let c = buf[p]
                        if c >= 48 && c <= 57 { cur = cur * 10 + Int64(c - 48); inNum = true }
                        else if inNum { values.append(cur); cur = 0; inNum = false }
                    }
                    if inNum { values.append(cur) }
                    return values
                }
                i = j + 1
            }
            return nil
        }
    }
}
