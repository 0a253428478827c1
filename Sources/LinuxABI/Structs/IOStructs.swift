// Terminal, poll/epoll and openat2 structures.

/// struct winsize (TIOCGWINSZ/TIOCSWINSZ).
public struct WinSize: LinuxStruct {
    public static let size = 8
    public var ws_row: UInt16
    public var ws_col: UInt16
    public var ws_xpixel: UInt16
    public var ws_ypixel: UInt16

    public init(ws_row: UInt16 = 0, ws_col: UInt16 = 0, ws_xpixel: UInt16 = 0, ws_ypixel: UInt16 = 0) {
        self.ws_row = ws_row
        self.ws_col = ws_col
        self.ws_xpixel = ws_xpixel
        self.ws_ypixel = ws_ypixel
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(ws_row, at: 0)
        b.putLE(ws_col, at: 2)
        b.putLE(ws_xpixel, at: 4)
        b.putLE(ws_ypixel, at: 6)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> WinSize? {
        guard b.count >= size else { return nil }
        return WinSize(ws_row: b.getLE(0), ws_col: b.getLE(2), ws_xpixel: b.getLE(4), ws_ypixel: b.getLE(6))
    }
}

/// The kernel's struct termios as TCGETS/TCSETS* copy it (asm-generic/termbits.h), 36 bytes.
/// glibc's struct termios is larger (it adds speeds); programs never pass that to the kernel.
public struct Termios: LinuxStruct {
    public static let size = 36
    public static let NCCS = 19
    public var c_iflag: UInt32 = 0   // 0
    public var c_oflag: UInt32 = 0   // 4
    public var c_cflag: UInt32 = 0   // 8
    public var c_lflag: UInt32 = 0   // 12
    public var c_line: UInt8 = 0     // 16
    public var c_cc: InlineArray<19, UInt8> = .init(repeating: 0)  // 17..36

    public init() {}

    public static func == (a: Termios, b: Termios) -> Bool {
        guard a.c_iflag == b.c_iflag, a.c_oflag == b.c_oflag, a.c_cflag == b.c_cflag,
              a.c_lflag == b.c_lflag, a.c_line == b.c_line else { return false }
        for i in 0..<NCCS where a.c_cc[i] != b.c_cc[i] { return false }
        return true
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(c_iflag, at: 0)
        b.putLE(c_oflag, at: 4)
        b.putLE(c_cflag, at: 8)
        b.putLE(c_lflag, at: 12)
        b[16] = c_line
        for i in 0..<Self.NCCS { b[17 + i] = c_cc[i] }
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> Termios? {
        guard b.count >= size else { return nil }
        var t = Termios()
        t.c_iflag = b.getLE(0)
        t.c_oflag = b.getLE(4)
        t.c_cflag = b.getLE(8)
        t.c_lflag = b.getLE(12)
        t.c_line = b[16]
        for i in 0..<NCCS { t.c_cc[i] = b[17 + i] }
        return t
    }
}

/// struct pollfd.
public struct PollFD: LinuxStruct {
    public static let size = 8
    public var fd: Int32
    public var events: Int16
    public var revents: Int16

    public init(fd: Int32 = 0, events: Int16 = 0, revents: Int16 = 0) {
        self.fd = fd
        self.events = events
        self.revents = revents
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(fd, at: 0)
        b.putLE(events, at: 4)
        b.putLE(revents, at: 6)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> PollFD? {
        guard b.count >= size else { return nil }
        return PollFD(fd: b.getLE(0), events: b.getLE(4), revents: b.getLE(6))
    }
}

/// struct epoll_event, packed on x86_64: events u32 @0, data u64 @4, 12 bytes.
public struct EpollEvent: LinuxStruct {
    public static let size = 12
    public var events: UInt32
    public var data: UInt64

    public init(events: UInt32 = 0, data: UInt64 = 0) {
        self.events = events
        self.data = data
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(events, at: 0)
        b.putLE(data, at: 4)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> EpollEvent? {
        guard b.count >= size else { return nil }
        return EpollEvent(events: b.getLE(0), data: b.getLE(4))
    }
}

/// struct open_how (openat2(2)): flags, mode, resolve; 24 bytes (OPEN_HOW_SIZE_VER0).
/// openat2 accepts a larger size if the extra bytes are zero (copy_struct_from_user).
public struct OpenHow: LinuxStruct {
    public static let size = 24
    public var flags: UInt64
    public var mode: UInt64
    public var resolve: UInt64

    public init(flags: UInt64 = 0, mode: UInt64 = 0, resolve: UInt64 = 0) {
        self.flags = flags
        self.mode = mode
        self.resolve = resolve
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(flags, at: 0)
        b.putLE(mode, at: 8)
        b.putLE(resolve, at: 16)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> OpenHow? {
        guard b.count >= size else { return nil }
        return OpenHow(flags: b.getLE(0), mode: b.getLE(8), resolve: b.getLE(16))
    }
}
