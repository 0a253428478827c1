import Glibc
import SystemPackage

/// A failure of husk itself (not of the program): printed as one `husk: ...` line, exit 125.
public struct HuskError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public init(_ what: String, _ errno: Errno) { self.message = "\(what): \(errno.description)" }
    public var description: String { message }
}

/// Writes `husk: <message>` on stderr with write(2) (no stdio buffering, safe in any process).
public func huskWarn(_ message: String) {
    let line = "husk: " + message + "\n"
    var bytes = Array(line.utf8)
    bytes.withUnsafeMutableBytes { buf in
        var off = 0
        while off < buf.count {
            let n = write(2, buf.baseAddress! + off, buf.count - off)
            if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
            off += n
        }
    }
}

/// Turns a C helper's negative-errno return into an Errno.
@inline(__always) func errnoFrom(_ r: Int32) -> Errno { Errno(rawValue: -r) }
