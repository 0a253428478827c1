// ioctl(2) request numbers for terminals and generic fds (asm-generic/ioctls.h on x86_64).

public enum Ioctl {
    public static let TCGETS: UInt32 = 0x5401
    public static let TCSETS: UInt32 = 0x5402
    public static let TCSETSW: UInt32 = 0x5403
    public static let TCSETSF: UInt32 = 0x5404
    public static let TCGETA: UInt32 = 0x5405
    public static let TCSETA: UInt32 = 0x5406
    public static let TCSETAW: UInt32 = 0x5407
    public static let TCSETAF: UInt32 = 0x5408
    public static let TCSBRK: UInt32 = 0x5409
    public static let TCXONC: UInt32 = 0x540A
    public static let TCFLSH: UInt32 = 0x540B
    public static let TIOCEXCL: UInt32 = 0x540C
    public static let TIOCNXCL: UInt32 = 0x540D
    public static let TIOCSCTTY: UInt32 = 0x540E
    public static let TIOCGPGRP: UInt32 = 0x540F
    public static let TIOCSPGRP: UInt32 = 0x5410
    public static let TIOCOUTQ: UInt32 = 0x5411
    public static let TIOCSTI: UInt32 = 0x5412
    public static let TIOCGWINSZ: UInt32 = 0x5413
    public static let TIOCSWINSZ: UInt32 = 0x5414
    public static let TIOCMGET: UInt32 = 0x5415
    public static let TIOCMSET: UInt32 = 0x5418
    public static let FIONREAD: UInt32 = 0x541B
    public static let TIOCINQ: UInt32 = 0x541B
    public static let TIOCLINUX: UInt32 = 0x541C
    public static let TIOCCONS: UInt32 = 0x541D
    public static let FIONBIO: UInt32 = 0x5421
    public static let TIOCNOTTY: UInt32 = 0x5422
    public static let TIOCSETD: UInt32 = 0x5423
    public static let TIOCGETD: UInt32 = 0x5424
    public static let TIOCSBRK: UInt32 = 0x5427
    public static let TIOCCBRK: UInt32 = 0x5428
    public static let TIOCGSID: UInt32 = 0x5429
    public static let TIOCGPTN: UInt32 = 0x8004_5430
    public static let TIOCSPTLCK: UInt32 = 0x4004_5431
    public static let TIOCGPTPEER: UInt32 = 0x5441
    public static let FIONCLEX: UInt32 = 0x5450
    public static let FIOCLEX: UInt32 = 0x5451
    public static let FIOASYNC: UInt32 = 0x5452
    public static let FIOQSIZE: UInt32 = 0x5460
}
