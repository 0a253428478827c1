// rt_sigaction(2)'s struct and siginfo.

/// The kernel's struct sigaction for rt_sigaction on x86_64 (not glibc's): sa_handler @0,
/// sa_flags @8, sa_restorer @16, sa_mask (64-bit sigset) @24; 32 bytes.
public struct KernelSigaction: LinuxStruct {
    public static let size = 32
    public var sa_handler: UInt64
    public var sa_flags: UInt64
    public var sa_restorer: UInt64
    public var sa_mask: UInt64

    public init(sa_handler: UInt64 = 0, sa_flags: UInt64 = 0, sa_restorer: UInt64 = 0, sa_mask: UInt64 = 0) {
        self.sa_handler = sa_handler
        self.sa_flags = sa_flags
        self.sa_restorer = sa_restorer
        self.sa_mask = sa_mask
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(sa_handler, at: 0)
        b.putLE(sa_flags, at: 8)
        b.putLE(sa_restorer, at: 16)
        b.putLE(sa_mask, at: 24)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> KernelSigaction? {
        guard b.count >= size else { return nil }
        return KernelSigaction(sa_handler: b.getLE(0), sa_flags: b.getLE(8), sa_restorer: b.getLE(16), sa_mask: b.getLE(24))
    }
}

/// siginfo_t, 128 bytes: the common header (si_signo @0, si_errno @4, si_code @8) and the
/// first 32 bytes of the union (@16) as raw words, with named views of the union members.
/// Bytes 48..128 are written as zero.
public struct SigInfo: LinuxStruct {
    public static let size = 128
    public var si_signo: Int32 = 0
    public var si_errno: Int32 = 0
    public var si_code: Int32 = 0
    /// Union bytes 16..48 as four little-endian words.
    public var fields: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init(si_signo: Int32 = 0, si_errno: Int32 = 0, si_code: Int32 = 0) {
        self.si_signo = si_signo
        self.si_errno = si_errno
        self.si_code = si_code
    }

    public static func == (a: SigInfo, b: SigInfo) -> Bool {
        a.si_signo == b.si_signo && a.si_errno == b.si_errno && a.si_code == b.si_code && a.fields == b.fields
    }

    // Views of the union (offsets from the start of siginfo).
    /// si_pid @16 (kill, rt, sigchld).
    public var si_pid: Int32 {
        get { Int32(truncatingIfNeeded: fields.0) }
        set { fields.0 = (fields.0 & 0xffff_ffff_0000_0000) | UInt64(UInt32(bitPattern: newValue)) }
    }
    /// si_uid @20 (kill, rt, sigchld).
    public var si_uid: UInt32 {
        get { UInt32(truncatingIfNeeded: fields.0 >> 32) }
        set { fields.0 = (fields.0 & 0xffff_ffff) | (UInt64(newValue) << 32) }
    }
    /// si_status @24 (sigchld).
    public var si_status: Int32 {
        get { Int32(truncatingIfNeeded: fields.1) }
        set { fields.1 = (fields.1 & 0xffff_ffff_0000_0000) | UInt64(UInt32(bitPattern: newValue)) }
    }
    /// si_value (sival_ptr) @24 (rt, timer).
    public var si_value: UInt64 {
        get { fields.1 }
        set { fields.1 = newValue }
    }
    /// si_utime @32, si_stime @40 (sigchld, clock ticks).
    public var si_utime: Int64 {
        get { Int64(bitPattern: fields.2) }
        set { fields.2 = UInt64(bitPattern: newValue) }
    }
    public var si_stime: Int64 {
        get { Int64(bitPattern: fields.3) }
        set { fields.3 = UInt64(bitPattern: newValue) }
    }
    /// si_timerid @16, si_overrun @20 (timer).
    public var si_timerid: Int32 {
        get { si_pid }
        set { si_pid = newValue }
    }
    public var si_overrun: Int32 {
        get { Int32(bitPattern: si_uid) }
        set { si_uid = UInt32(bitPattern: newValue) }
    }
    /// si_addr @16 (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
    public var si_addr: UInt64 {
        get { fields.0 }
        set { fields.0 = newValue }
    }
    /// si_fd @24 (SIGIO/SIGPOLL; si_band @16).
    public var si_fd: Int32 {
        get { si_status }
        set { si_status = newValue }
    }
    /// SIGSYS: si_call_addr @16, si_syscall @24, si_arch @28.
    public var si_call_addr: UInt64 {
        get { fields.0 }
        set { fields.0 = newValue }
    }
    public var si_syscall: Int32 {
        get { si_status }
        set { si_status = newValue }
    }
    public var si_arch: UInt32 {
        get { UInt32(truncatingIfNeeded: fields.1 >> 32) }
        set { fields.1 = (fields.1 & 0xffff_ffff) | (UInt64(newValue) << 32) }
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(si_signo, at: 0)
        b.putLE(si_errno, at: 4)
        b.putLE(si_code, at: 8)
        b.putLE(Int32(0), at: 12)
        b.putLE(fields.0, at: 16)
        b.putLE(fields.1, at: 24)
        b.putLE(fields.2, at: 32)
        b.putLE(fields.3, at: 40)
        b.zero(48, 80)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> SigInfo? {
        guard b.count >= size else { return nil }
        var s = SigInfo(si_signo: b.getLE(0), si_errno: b.getLE(4), si_code: b.getLE(8))
        s.fields = (b.getLE(16), b.getLE(24), b.getLE(32), b.getLE(40))
        return s
    }
}
