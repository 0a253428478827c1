import Glibc
import Logging
import SystemPackage

/// A failure of husk itself (not of the program): printed as one `husk: ...` line, exit 125.
public struct HuskError: Error, CustomStringConvertible {
    public var message: String
    /// The errno behind it, when there is one (to tell e.g. a refused cgroup mkdir apart).
    public var errno: Errno?
    public init(_ message: String) { self.message = message }
    public init(_ what: String, _ errno: Errno) { self.message = "\(what): \(errno.description)"; self.errno = errno }
    public var description: String { message }
}

/// husk's own diagnostics: swift-log with a handler that writes one `husk: <message>` line per
/// message on stderr with write(2) (no stdio buffering, safe in any process). The level comes
/// from HUSK_LOG (trace, debug, info, notice, warning, error, critical; default info).
public let huskLog: Logger = {
    var logger = Logger(label: "husk") { _ in HuskLogHandler() }
    if let raw = getenv("HUSK_LOG"), let level = Logger.Level(rawValue: String(cString: raw)) { logger.logLevel = level }
    return logger
}()

/// Writes `husk: <message>` on stderr.
public func huskWarn(_ message: String) {
    huskLog.warning("\(message)")
}

struct HuskLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        var bytes = Array(("husk: \(message)\n").utf8)
        bytes.withUnsafeMutableBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(2, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
                off += n
            }
        }
    }
}

/// Turns a C helper's negative-errno return into an Errno.
@inline(__always) func errnoFrom(_ r: Int32) -> Errno { Errno(rawValue: -r) }
