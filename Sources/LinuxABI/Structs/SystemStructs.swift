// uname(2), sysinfo(2) and statfs(2) results.

/// struct new_utsname: six NUL-terminated 65-byte strings.
public struct UTSName: LinuxStruct {
    public static let size = 390
    public static let fieldLength = 65
    public var sysname: String
    public var nodename: String
    public var release: String
    public var version: String
    public var machine: String
    public var domainname: String

    public init(sysname: String = "Linux", nodename: String = "", release: String = "",
                version: String = "", machine: String = "x86_64", domainname: String = "(none)") {
        self.sysname = sysname
        self.nodename = nodename
        self.release = release
        self.version = version
        self.machine = machine
        self.domainname = domainname
    }

    /// Writes at most 64 bytes of `s` and NUL-fills the rest of the field.
    private static func put(_ s: String, _ b: UnsafeMutableRawBufferPointer, _ field: Int) {
        let start = field * fieldLength
        var n = 0
        for byte in s.utf8 where n < fieldLength - 1 {
            b[start + n] = byte
            n += 1
        }
        b.zero(start + n, fieldLength - n)
    }

    private static func get(_ b: UnsafeRawBufferPointer, _ field: Int) -> String {
        let start = field * fieldLength
        var n = 0
        while n < fieldLength, b[start + n] != 0 { n += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<(start + n)]), as: UTF8.self)
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        Self.put(sysname, b, 0)
        Self.put(nodename, b, 1)
        Self.put(release, b, 2)
        Self.put(version, b, 3)
        Self.put(machine, b, 4)
        Self.put(domainname, b, 5)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> UTSName? {
        guard b.count >= size else { return nil }
        return UTSName(sysname: get(b, 0), nodename: get(b, 1), release: get(b, 2),
                       version: get(b, 3), machine: get(b, 4), domainname: get(b, 5))
    }
}

/// struct sysinfo (linux/sysinfo.h), 112 bytes on x86_64.
public struct SysInfo: LinuxStruct {
    public static let size = 112
    public var uptime: Int64 = 0          // 0
    public var loads: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 8, 16, 24 (fixed point, << 16)
    public var totalram: UInt64 = 0       // 32
    public var freeram: UInt64 = 0        // 40
    public var sharedram: UInt64 = 0      // 48
    public var bufferram: UInt64 = 0      // 56
    public var totalswap: UInt64 = 0      // 64
    public var freeswap: UInt64 = 0       // 72
    public var procs: UInt16 = 0          // 80
    // pad: 82..88
    public var totalhigh: UInt64 = 0      // 88
    public var freehigh: UInt64 = 0       // 96
    public var mem_unit: UInt32 = 0       // 104
    // _f: 108..112

    public init() {}

    public static func == (a: SysInfo, b: SysInfo) -> Bool {
        a.uptime == b.uptime && a.loads == b.loads && a.totalram == b.totalram
            && a.freeram == b.freeram && a.sharedram == b.sharedram && a.bufferram == b.bufferram
            && a.totalswap == b.totalswap && a.freeswap == b.freeswap && a.procs == b.procs
            && a.totalhigh == b.totalhigh && a.freehigh == b.freehigh && a.mem_unit == b.mem_unit
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(uptime, at: 0)
        b.putLE(loads.0, at: 8)
        b.putLE(loads.1, at: 16)
        b.putLE(loads.2, at: 24)
        b.putLE(totalram, at: 32)
        b.putLE(freeram, at: 40)
        b.putLE(sharedram, at: 48)
        b.putLE(bufferram, at: 56)
        b.putLE(totalswap, at: 64)
        b.putLE(freeswap, at: 72)
        b.putLE(procs, at: 80)
        b.zero(82, 6)
        b.putLE(totalhigh, at: 88)
        b.putLE(freehigh, at: 96)
        b.putLE(mem_unit, at: 104)
        b.zero(108, 4)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> SysInfo? {
        guard b.count >= size else { return nil }
        var s = SysInfo()
        s.uptime = b.getLE(0)
        s.loads = (b.getLE(8), b.getLE(16), b.getLE(24))
        s.totalram = b.getLE(32)
        s.freeram = b.getLE(40)
        s.sharedram = b.getLE(48)
        s.bufferram = b.getLE(56)
        s.totalswap = b.getLE(64)
        s.freeswap = b.getLE(72)
        s.procs = b.getLE(80)
        s.totalhigh = b.getLE(88)
        s.freehigh = b.getLE(96)
        s.mem_unit = b.getLE(104)
        return s
    }
}

/// struct statfs as x86_64 statfs/fstatfs fill it (asm-generic/statfs.h, 64-bit words).
public struct StatFS: LinuxStruct {
    public static let size = 120
    public var f_type: Int64 = 0      // 0
    public var f_bsize: Int64 = 0     // 8
    public var f_blocks: UInt64 = 0   // 16
    public var f_bfree: UInt64 = 0    // 24
    public var f_bavail: UInt64 = 0   // 32
    public var f_files: UInt64 = 0    // 40
    public var f_ffree: UInt64 = 0    // 48
    public var f_fsid: (Int32, Int32) = (0, 0)  // 56
    public var f_namelen: Int64 = 0   // 64
    public var f_frsize: Int64 = 0    // 72
    public var f_flags: Int64 = 0     // 80
    // f_spare[4]: 88..120

    public init() {}

    public static func == (a: StatFS, b: StatFS) -> Bool {
        a.f_type == b.f_type && a.f_bsize == b.f_bsize && a.f_blocks == b.f_blocks
            && a.f_bfree == b.f_bfree && a.f_bavail == b.f_bavail && a.f_files == b.f_files
            && a.f_ffree == b.f_ffree && a.f_fsid == b.f_fsid && a.f_namelen == b.f_namelen
            && a.f_frsize == b.f_frsize && a.f_flags == b.f_flags
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(f_type, at: 0)
        b.putLE(f_bsize, at: 8)
        b.putLE(f_blocks, at: 16)
        b.putLE(f_bfree, at: 24)
        b.putLE(f_bavail, at: 32)
        b.putLE(f_files, at: 40)
        b.putLE(f_ffree, at: 48)
        b.putLE(f_fsid.0, at: 56)
        b.putLE(f_fsid.1, at: 60)
        b.putLE(f_namelen, at: 64)
        b.putLE(f_frsize, at: 72)
        b.putLE(f_flags, at: 80)
        b.zero(88, 32)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> StatFS? {
        guard b.count >= size else { return nil }
        var s = StatFS()
        s.f_type = b.getLE(0)
        s.f_bsize = b.getLE(8)
        s.f_blocks = b.getLE(16)
        s.f_bfree = b.getLE(24)
        s.f_bavail = b.getLE(32)
        s.f_files = b.getLE(40)
        s.f_ffree = b.getLE(48)
        s.f_fsid = (b.getLE(56), b.getLE(60))
        s.f_namelen = b.getLE(64)
        s.f_frsize = b.getLE(72)
        s.f_flags = b.getLE(80)
        return s
    }
}
