import LinuxABI
import Platform
import SystemPackage

// The kernel's struct termios (asm-generic/termbits.h: 4 flag words, c_line, 19 control
// characters; 36 bytes for TCGETS/TCSETS) and the bits the line discipline acts on.

/// The terminal settings a TCGETS returns and a TCSETS* replaces.
public struct KernelTermios: Equatable, Sendable {
    public var iflag: UInt32
    public var oflag: UInt32
    public var cflag: UInt32
    public var lflag: UInt32
    public var line: UInt8 = 0
    public var cc: [UInt8]

    public static let size = 36
    public static let ccCount = 19

    // c_cc indexes.
    public static let VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6,
                      VSWTC = 7, VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12,
                      VDISCARD = 13, VWERASE = 14, VLNEXT = 15, VEOL2 = 16
    // c_iflag.
    public static let IGNBRK: UInt32 = 0o1, BRKINT: UInt32 = 0o2, IGNPAR: UInt32 = 0o4, ISTRIP: UInt32 = 0o40,
                      INLCR: UInt32 = 0o100, IGNCR: UInt32 = 0o200, ICRNL: UInt32 = 0o400, IUCLC: UInt32 = 0o1000,
                      IXON: UInt32 = 0o2000, IXANY: UInt32 = 0o4000, IXOFF: UInt32 = 0o10000, IMAXBEL: UInt32 = 0o20000,
                      IUTF8: UInt32 = 0o40000
    // c_oflag.
    public static let OPOST: UInt32 = 0o1, OLCUC: UInt32 = 0o2, ONLCR: UInt32 = 0o4, OCRNL: UInt32 = 0o10,
                      ONOCR: UInt32 = 0o20, ONLRET: UInt32 = 0o40, TABDLY: UInt32 = 0o14000, XTABS: UInt32 = 0o14000
    // c_cflag.
    public static let B38400: UInt32 = 0o17, CS8: UInt32 = 0o60, CREAD: UInt32 = 0o200, HUPCL: UInt32 = 0o2000
    // c_lflag.
    public static let ISIG: UInt32 = 0o1, ICANON: UInt32 = 0o2, ECHO: UInt32 = 0o10, ECHOE: UInt32 = 0o20,
                      ECHOK: UInt32 = 0o40, ECHONL: UInt32 = 0o100, NOFLSH: UInt32 = 0o200, TOSTOP: UInt32 = 0o400,
                      ECHOCTL: UInt32 = 0o1000, ECHOPRT: UInt32 = 0o2000, ECHOKE: UInt32 = 0o4000,
                      FLUSHO: UInt32 = 0o10000, PENDIN: UInt32 = 0o40000, IEXTEN: UInt32 = 0o100000,
                      EXTPROC: UInt32 = 0o200000

    /// Linux's tty_std_termios: what a new pty starts with (`stty -a` of a fresh terminal).
    public static let standard = KernelTermios(
        iflag: ICRNL | IXON, oflag: OPOST | ONLCR, cflag: B38400 | CS8 | CREAD | HUPCL,
        lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
        // INIT_C_CC: ^C ^\ DEL ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0 0 0
        cc: [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0])

    public init(iflag: UInt32, oflag: UInt32, cflag: UInt32, lflag: UInt32, cc: [UInt8]) {
        self.iflag = iflag; self.oflag = oflag; self.cflag = cflag; self.lflag = lflag; self.cc = cc
    }

    /// Decodes the 36 bytes of a struct termios (little-endian).
    public init(bytes: [UInt8]) {
        func word(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        iflag = word(0); oflag = word(4); cflag = word(8); lflag = word(12)
        line = bytes[16]
        cc = Array(bytes[17..<36])
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.size)
        for w in [iflag, oflag, cflag, lflag] {
            out.append(UInt8(w & 0xff)); out.append(UInt8(w >> 8 & 0xff))
            out.append(UInt8(w >> 16 & 0xff)); out.append(UInt8(w >> 24))
        }
        out.append(line)
        out.append(contentsOf: cc.prefix(Self.ccCount))
        while out.count < Self.size { out.append(0) }
        return out
    }

    func has(l bit: UInt32) -> Bool { lflag & bit != 0 }
    func has(i bit: UInt32) -> Bool { iflag & bit != 0 }
    func has(o bit: UInt32) -> Bool { oflag & bit != 0 }
    /// A control character slot; 0 (_POSIX_VDISABLE) disables it.
    func isChar(_ c: UInt8, _ slot: Int) -> Bool { c != 0 && cc[slot] == c }
}
