// `#!` scripts, parsed exactly like fs/binfmt_script.c (Linux 5.1+): the kernel looks at the
// first BINPRM_BUF_SIZE (256) bytes, NUL-padded past end of file. The interpreter path must not
// be truncated (a newline, or a space/tab/NUL after it, must appear in the buffer); the one
// optional argument is the rest of the line with surrounding spaces/tabs trimmed, and may itself
// contain spaces. Truncating the argument is fine (the interpreter can re-read the script).

public struct Shebang: Sendable, Equatable {
    public var interpreter: [UInt8]
    public var argument: [UInt8]?

    public init(interpreter: [UInt8], argument: [UInt8]?) {
        self.interpreter = interpreter; self.argument = argument
    }

    /// BINPRM_BUF_SIZE.
    public static let bufferSize = 256
    /// The number of `#!` rewrites execve follows before ELOOP (exec_binprm allows depths 0…5,
    /// so five scripts may chain before the final binary; measured on the host as well).
    public static let maximumDepth = 5

    /// Parses the start of a file. nil when it is not a `#!` script or the line is malformed
    /// (no interpreter, or an interpreter path cut off by the 256-byte buffer): Linux then
    /// answers ENOEXEC.
    public static func parse(_ head: some Collection<UInt8>) -> Shebang? {
        var buf = [UInt8](head.prefix(bufferSize))
        if buf.count < bufferSize { buf.append(contentsOf: repeatElement(0, count: bufferSize - buf.count)) }
        guard buf[0] == UInt8(ascii: "#"), buf[1] == UInt8(ascii: "!") else { return nil }
        func spacetab(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        func nextNonSpacetab(_ first: Int, _ last: Int) -> Int? {
            var i = first
            while i <= last { if !spacetab(buf[i]) { return i }; i += 1 }
            return nil
        }
        func nextTerminator(_ first: Int, _ last: Int) -> Int? {
            var i = first
            while i <= last { if spacetab(buf[i]) || buf[i] == 0 { return i }; i += 1 }
            return nil
        }
        let bufEnd = bufferSize - 1
        var end: Int
        if let nl = buf.firstIndex(of: 0x0a) {
            end = nl
        } else {
            guard let start = nextNonSpacetab(2, bufEnd) else { return nil }   // all spaces/tabs
            guard nextTerminator(start, bufEnd) != nil else { return nil }    // truncated path
            end = bufEnd                                                        // the kernel NULs it
        }
        while end > 2 && spacetab(buf[end - 1]) { end -= 1 }
        guard let name = nextNonSpacetab(2, end), name != end else { return nil }
        var nameEnd = end
        var argument: [UInt8]?
        if let sep = nextTerminator(name, end) {
            nameEnd = sep
            if sep < end && buf[sep] != 0, let arg = nextNonSpacetab(sep, end), arg < end {
                // A C string: it stops at an embedded NUL.
                argument = Array(buf[arg..<end].prefix { $0 != 0 })
            }
        }
        // "#!" followed by NULs yields an empty interpreter, as in Linux (which then fails the
        // open, not the parse).
        return Shebang(interpreter: Array(buf[name..<nameEnd]), argument: argument)
    }

    /// binfmt_script's argv rewrite: argv[0] is replaced by the interpreter, its argument and
    /// the script's path: [interpreter, argument?, scriptPath, argv[1...]].
    public func rewrite(argv: [[UInt8]], scriptPath: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = [interpreter]
        if let a = argument { out.append(a) }
        out.append(scriptPath)
        out.append(contentsOf: argv.dropFirst())
        return out
    }
}
