/// A process `husk exec` asks the Sentry to start in a running sandbox (docs/oci.md "exec"):
/// what the OCI runtime read from `--process` or its flags, carried over the shim's
/// RuntimeControl socket. The encoding is a list of NUL-terminated items, each a tag byte and a
/// value: `a` argv, `e` environment, `c` cwd, `u` uid, `g` gid, `G` an additional gid, `t`
/// ROWSxCOLUMNS (a terminal), `B`/`E`/`I`/`P` capability sets as decimal masks.
public struct ExecRequest: Sendable, Equatable {
    public var argv: [String] = []
    public var env: [String] = []
    public var cwd = "/"
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var groups: [UInt32] = []
    /// A terminal of that size (rows, columns): the process gets a new pty of the Sentry's
    /// devpts as its controlling terminal; nil: its stdio are the three pipes it came with.
    public var terminal: Terminal?
    public var capabilities: Capabilities?

    public struct Terminal: Sendable, Equatable {
        public var rows: UInt16, columns: UInt16
        public init(rows: UInt16, columns: UInt16) { self.rows = rows; self.columns = columns }
    }

    public struct Capabilities: Sendable, Equatable {
        public var bounding: UInt64 = 0, effective: UInt64 = 0, inheritable: UInt64 = 0, permitted: UInt64 = 0
        public init() {}
    }

    /// More than Linux's ARG_MAX-sized argv and environment together is refused.
    public static let maxEncodedBytes = 4 << 20

    public init() {}

    public var encoded: [UInt8] {
        var out: [UInt8] = []
        func item(_ tag: Character, _ value: String) {
            out.append(UInt8(ascii: tag.unicodeScalars.first!))
            out.append(contentsOf: value.utf8.filter { $0 != 0 })
            out.append(0)
        }
        for a in argv { item("a", a) }
        for e in env { item("e", e) }
        item("c", cwd)
        item("u", String(uid))
        item("g", String(gid))
        for g in groups { item("G", String(g)) }
        if let t = terminal { item("t", "\(t.rows)x\(t.columns)") }
        if let c = capabilities {
            item("B", String(c.bounding)); item("E", String(c.effective))
            item("I", String(c.inheritable)); item("P", String(c.permitted))
        }
        return out
    }

    /// Decodes `encoded`; nil for anything malformed (an unknown tag, a bad number, no argv).
    public static func decode(_ bytes: some BidirectionalCollection<UInt8>) -> ExecRequest? {
        guard bytes.count <= maxEncodedBytes else { return nil }
        var r = ExecRequest()
        var sawCapability = false
        var caps = Capabilities()
        guard bytes.isEmpty || bytes.last == 0 else { return nil }
        for item in bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast() {
            guard let tag = item.first else { return nil }
            let value = String(decoding: item.dropFirst(), as: UTF8.self)
            switch tag {
            case UInt8(ascii: "a"): r.argv.append(value)
            case UInt8(ascii: "e"): r.env.append(value)
            case UInt8(ascii: "c"): r.cwd = value
            case UInt8(ascii: "u"): guard let v = UInt32(value) else { return nil }; r.uid = v
            case UInt8(ascii: "g"): guard let v = UInt32(value) else { return nil }; r.gid = v
            case UInt8(ascii: "G"): guard let v = UInt32(value) else { return nil }; r.groups.append(v)
            case UInt8(ascii: "t"):
                let parts = value.split(separator: "x")
                guard parts.count == 2, let rows = UInt16(parts[0]), let cols = UInt16(parts[1]) else { return nil }
                r.terminal = Terminal(rows: rows, columns: cols)
            case UInt8(ascii: "B"), UInt8(ascii: "E"), UInt8(ascii: "I"), UInt8(ascii: "P"):
                guard let v = UInt64(value) else { return nil }
                sawCapability = true
                switch tag {
                case UInt8(ascii: "B"): caps.bounding = v
                case UInt8(ascii: "E"): caps.effective = v
                case UInt8(ascii: "I"): caps.inheritable = v
                default: caps.permitted = v
                }
            default: return nil
            }
        }
        guard !r.argv.isEmpty, !r.argv[0].isEmpty, r.cwd.hasPrefix("/") else { return nil }
        if sawCapability { r.capabilities = caps }
        return r
    }
}

/// The messages of the RuntimeControl socket after start (docs/oci.md "Process tree").
public enum RuntimeMessage {
    /// Shim to Sentry: `x`, session id (u32 LE), length (u32 LE), an encoded ExecRequest, with
    /// three fds as SCM_RIGHTS on its first byte (stdin, stdout, stderr; under a terminal: the
    /// terminal's input, its output, and a window-size pipe).
    public static let exec = UInt8(ascii: "x")
    /// Shim to Sentry: `k`, session id (u32 LE), signal: to the exec'd process.
    public static let signalExec = UInt8(ascii: "k")
    /// Sentry to shim, 9 bytes each: tag, session id (u32 LE), value (i32 LE).
    /// `S`: started, value its pid in the sandbox; `F`: not started, value an errno;
    /// `E`: exited, value its wait status; `H` (session 0): the holder's pid in the sandbox.
    public static let started = UInt8(ascii: "S"), failed = UInt8(ascii: "F"), exited = UInt8(ascii: "E")
    public static let holder = UInt8(ascii: "H")
    public static let replySize = 9

    public static func reply(_ tag: UInt8, session: UInt32, value: Int32) -> [UInt8] {
        [tag] + le32(session) + le32(UInt32(bitPattern: value))
    }

    public static func le32(_ v: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 24)]
    }

    public static func readLE32(_ b: some Collection<UInt8>) -> UInt32 {
        var v: UInt32 = 0
        for (i, x) in b.prefix(4).enumerated() { v |= UInt32(x) << (8 * UInt32(i)) }
        return v
    }
}
