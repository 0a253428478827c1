// Time values, I/O vectors and resource limits: all pairs of 64-bit words on x86_64.

/// struct timespec (__kernel_timespec): tv_sec, tv_nsec.
public struct Timespec: LinuxStruct {
    public static let size = 16
    public var tv_sec: Int64
    public var tv_nsec: Int64

    public init(tv_sec: Int64 = 0, tv_nsec: Int64 = 0) {
        self.tv_sec = tv_sec
        self.tv_nsec = tv_nsec
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(tv_sec, at: 0)
        b.putLE(tv_nsec, at: 8)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> Timespec? {
        guard b.count >= size else { return nil }
        return Timespec(tv_sec: b.getLE(0), tv_nsec: b.getLE(8))
    }
}

/// struct timeval (__kernel_old_timeval): tv_sec, tv_usec.
public struct Timeval: LinuxStruct {
    public static let size = 16
    public var tv_sec: Int64
    public var tv_usec: Int64

    public init(tv_sec: Int64 = 0, tv_usec: Int64 = 0) {
        self.tv_sec = tv_sec
        self.tv_usec = tv_usec
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(tv_sec, at: 0)
        b.putLE(tv_usec, at: 8)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> Timeval? {
        guard b.count >= size else { return nil }
        return Timeval(tv_sec: b.getLE(0), tv_usec: b.getLE(8))
    }
}

/// struct iovec: iov_base (a tracee address), iov_len.
public struct IOVec: LinuxStruct {
    public static let size = 16
    public var iov_base: UInt64
    public var iov_len: UInt64

    public init(iov_base: UInt64 = 0, iov_len: UInt64 = 0) {
        self.iov_base = iov_base
        self.iov_len = iov_len
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(iov_base, at: 0)
        b.putLE(iov_len, at: 8)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> IOVec? {
        guard b.count >= size else { return nil }
        return IOVec(iov_base: b.getLE(0), iov_len: b.getLE(8))
    }
}

/// struct rlimit64 (also struct rlimit on x86_64): rlim_cur, rlim_max; RLIM_INFINITY is all ones.
public struct RLimit: LinuxStruct {
    public static let size = 16
    public var rlim_cur: UInt64
    public var rlim_max: UInt64

    public init(rlim_cur: UInt64 = 0, rlim_max: UInt64 = 0) {
        self.rlim_cur = rlim_cur
        self.rlim_max = rlim_max
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(rlim_cur, at: 0)
        b.putLE(rlim_max, at: 8)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> RLimit? {
        guard b.count >= size else { return nil }
        return RLimit(rlim_cur: b.getLE(0), rlim_max: b.getLE(8))
    }
}
