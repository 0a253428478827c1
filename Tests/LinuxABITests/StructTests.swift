import CHusk
import LinuxABI
import Testing

@Test func sizesMatchTheCHeaders() {
    #expect(Stat.size == cLayout("stat") && Stat.size == 144)
    #expect(Statx.size == cLayout("statx") && Statx.size == 256)
    #expect(StatxTimestamp.size == cLayout("statx_timestamp"))
    #expect(Timespec.size == cLayout("timespec"))
    #expect(Timeval.size == cLayout("timeval"))
    #expect(IOVec.size == cLayout("iovec"))
    #expect(RLimit.size == cLayout("rlimit"))
    #expect(UTSName.size == cLayout("utsname") && UTSName.size == 390)
    #expect(SysInfo.size == cLayout("sysinfo") && SysInfo.size == 112)
    #expect(StatFS.size == cLayout("statfs") && StatFS.size == 120)
    #expect(WinSize.size == cLayout("winsize"))
    #expect(Termios.size == cLayout("termios") && Termios.size == 36)
    #expect(KernelSigaction.size == cLayout("sigaction") && KernelSigaction.size == 32)
    #expect(SigInfo.size == cLayout("siginfo") && SigInfo.size == 128)
    #expect(PollFD.size == cLayout("pollfd"))
    #expect(EpollEvent.size == cLayout("epoll_event") && EpollEvent.size == 12)
    #expect(OpenHow.size == cLayout("open_how") && OpenHow.size == 24)
    #expect(Dirent64.nameOffset == cLayout("dirent64.d_name"))
}

/// Checks `value` against the C sample `name` both ways: Swift's bytes equal C's, and C's
/// bytes decode to `value`.
func checkAgainstC<T: LinuxStruct>(_ name: String, _ value: T, sourceLocation: SourceLocation = #_sourceLocation) {
    let c = cSample(name)
    #expect(c.count == T.size, "C sample \(name)", sourceLocation: sourceLocation)
    #expect(encoded(value) == c, "encode \(name)", sourceLocation: sourceLocation)
    #expect(decoded(c, as: T.self) == value, "decode \(name)", sourceLocation: sourceLocation)
    #expect(decoded(Array(c.dropLast()), as: T.self) == nil, "short \(name)", sourceLocation: sourceLocation)
}

@Test func statMatchesC() {
    var s = Stat()
    s.st_dev = p(1); s.st_ino = p(2); s.st_nlink = p(3); s.st_mode = p(4); s.st_uid = p(5)
    s.st_gid = p(6); s.st_rdev = p(7); s.st_size = p(8); s.st_blksize = p(9); s.st_blocks = p(10)
    s.st_atime = Timespec(tv_sec: p(11), tv_nsec: p(12))
    s.st_mtime = Timespec(tv_sec: p(13), tv_nsec: p(14))
    s.st_ctime = Timespec(tv_sec: p(15), tv_nsec: p(16))
    checkAgainstC("stat", s)
}

@Test func statxMatchesC() {
    var s = Statx()
    s.stx_mask = p(1); s.stx_blksize = p(2); s.stx_attributes = p(3); s.stx_nlink = p(4)
    s.stx_uid = p(5); s.stx_gid = p(6); s.stx_mode = p(7); s.stx_ino = p(8); s.stx_size = p(9)
    s.stx_blocks = p(10); s.stx_attributes_mask = p(11)
    s.stx_atime = StatxTimestamp(tv_sec: p(12), tv_nsec: p(13))
    s.stx_btime = StatxTimestamp(tv_sec: p(14), tv_nsec: p(15))
    s.stx_ctime = StatxTimestamp(tv_sec: p(16), tv_nsec: p(17))
    s.stx_mtime = StatxTimestamp(tv_sec: p(18), tv_nsec: p(19))
    s.stx_rdev_major = p(20); s.stx_rdev_minor = p(21); s.stx_dev_major = p(22)
    s.stx_dev_minor = p(23); s.stx_mnt_id = p(24); s.stx_dio_mem_align = p(25)
    s.stx_dio_offset_align = p(26)
    checkAgainstC("statx", s)
}

@Test func smallStructsMatchC() {
    checkAgainstC("timespec", Timespec(tv_sec: p(1), tv_nsec: p(2)))
    checkAgainstC("timeval", Timeval(tv_sec: p(1), tv_usec: p(2)))
    checkAgainstC("iovec", IOVec(iov_base: p(1), iov_len: p(2)))
    checkAgainstC("rlimit", RLimit(rlim_cur: p(1), rlim_max: p(2)))
    checkAgainstC("winsize", WinSize(ws_row: p(1), ws_col: p(2), ws_xpixel: p(3), ws_ypixel: p(4)))
    checkAgainstC("pollfd", PollFD(fd: p(1), events: p(2), revents: p(3)))
    checkAgainstC("epoll_event", EpollEvent(events: p(1), data: p(2)))
    checkAgainstC("open_how", OpenHow(flags: p(1), mode: p(2), resolve: p(3)))
}

@Test func utsnameMatchesC() {
    checkAgainstC("utsname", UTSName(sysname: "Linux", nodename: "husk", release: "6.18.0",
                                     version: "#1 SMP", machine: "x86_64", domainname: "(none)"))
}

@Test func utsnameTruncatesLongFields() {
    let long = String(repeating: "x", count: 100)
    let bytes = encoded(UTSName(nodename: long))
    #expect(bytes[65 + 64] == 0)  // nodename keeps its NUL
    #expect(decoded(bytes, as: UTSName.self)?.nodename == String(repeating: "x", count: 64))
    #expect(decoded(bytes, as: UTSName.self)?.release == "")
}

@Test func sysinfoAndStatfsMatchC() {
    var si = SysInfo()
    si.uptime = p(1); si.loads = (p(2), p(3), p(4)); si.totalram = p(5); si.freeram = p(6)
    si.sharedram = p(7); si.bufferram = p(8); si.totalswap = p(9); si.freeswap = p(10)
    si.procs = p(11); si.totalhigh = p(12); si.freehigh = p(13); si.mem_unit = p(14)
    checkAgainstC("sysinfo", si)

    var fs = StatFS()
    fs.f_type = p(1); fs.f_bsize = p(2); fs.f_blocks = p(3); fs.f_bfree = p(4); fs.f_bavail = p(5)
    fs.f_files = p(6); fs.f_ffree = p(7); fs.f_fsid = (p(8), p(9)); fs.f_namelen = p(10)
    fs.f_frsize = p(11); fs.f_flags = p(12)
    checkAgainstC("statfs", fs)
}

@Test func termiosMatchesKernelStruct() {
    var t = Termios()
    t.c_iflag = p(1); t.c_oflag = p(2); t.c_cflag = p(3); t.c_lflag = p(4); t.c_line = p(5)
    for i in 0..<Termios.NCCS { t.c_cc[i] = p(UInt64(6 + i)) }
    checkAgainstC("termios", t)
    #expect(cLayout("termios.c_cc") == 17)
}

@Test func siginfoMatchesC() {
    var chld = SigInfo(si_signo: p(1), si_errno: p(2), si_code: p(3))
    chld.si_pid = p(4); chld.si_uid = p(5); chld.si_status = p(6); chld.si_utime = p(7); chld.si_stime = p(8)
    checkAgainstC("siginfo_chld", chld)

    var sys = SigInfo(si_signo: p(1), si_errno: p(2), si_code: p(3))
    sys.si_call_addr = p(4); sys.si_syscall = p(5); sys.si_arch = p(6)
    checkAgainstC("siginfo_sys", sys)
    #expect(sys.si_call_addr == p(4) && sys.si_syscall == p(5) && sys.si_arch == p(6))
    #expect(chld.si_pid == p(4) && chld.si_uid == p(5) && chld.si_status == p(6))
}

@Test func siginfoViewOffsetsMatchC() {
    // Each view's offset, found by setting it alone and looking for its bytes.
    func offset(_ set: (inout SigInfo) -> Void) -> Int {
        var s = SigInfo()
        set(&s)
        return encoded(s).firstIndex { $0 != 0 } ?? -1
    }
    #expect(offset { $0.si_pid = 0x7f } == cLayout("siginfo.si_pid"))
    #expect(offset { $0.si_uid = 0x7f } == cLayout("siginfo.si_uid"))
    #expect(offset { $0.si_status = 0x7f } == cLayout("siginfo.si_status"))
    #expect(offset { $0.si_utime = 0x7f } == cLayout("siginfo.si_utime"))
    #expect(offset { $0.si_stime = 0x7f } == cLayout("siginfo.si_stime"))
    #expect(offset { $0.si_value = 0x7f } == cLayout("siginfo.si_value"))
    #expect(offset { $0.si_addr = 0x7f } == cLayout("siginfo.si_addr"))
    #expect(offset { $0.si_timerid = 0x7f } == cLayout("siginfo.si_timerid"))
    #expect(offset { $0.si_overrun = 0x7f } == cLayout("siginfo.si_overrun"))
    #expect(offset { $0.si_fd = 0x7f } == cLayout("siginfo.si_fd"))
    #expect(offset { $0.si_call_addr = 0x7f } == cLayout("siginfo.si_call_addr"))
    #expect(offset { $0.si_syscall = 0x7f } == cLayout("siginfo.si_syscall"))
    #expect(offset { $0.si_arch = 0x7f } == cLayout("siginfo.si_arch"))
}

@Test func kernelSigactionLayout() {
    let a = KernelSigaction(sa_handler: 0x1122, sa_flags: SigactionFlags.SA_RESTORER | SigactionFlags.SA_SIGINFO,
                            sa_restorer: 0x3344, sa_mask: 1 << 9)
    let bytes = encoded(a)
    #expect(bytes[0] == 0x22 && bytes[1] == 0x11)
    #expect(bytes[8] == 0x04 && bytes[11] == 0x04)
    #expect(bytes[16] == 0x44 && bytes[24] == 0 && bytes[25] == 0x02)
    #expect(decoded(bytes, as: KernelSigaction.self) == a)
}

@Test func dirent64MatchesC() {
    let c = cSample("dirent64")
    var buf = [UInt8](repeating: 0xAA, count: 64)
    let len = buf.withUnsafeMutableBytes {
        Dirent64.append(into: $0, at: 0, ino: p(1), off: p(2), type: DirentType.DT_REG, name: "hello")
    }
    #expect(len == 32)
    #expect(Array(buf[0..<32]) == c)
    #expect(buf[32] == 0xAA)  // nothing written past the record
    let rec = c.withUnsafeBytes { Dirent64.decode(from: $0, at: 0) }
    #expect(rec == Dirent64.Record(d_ino: p(1), d_off: p(2), d_reclen: 32, d_type: DirentType.DT_REG,
                                   nameStart: 19, nameLength: 5))
}

@Test func dirent64AppendsUntilFull() {
    var buf = [UInt8](repeating: 0, count: 56)
    buf.withUnsafeMutableBytes { b in
        #expect(Dirent64.append(into: b, at: 0, ino: 1, off: 1, type: DirentType.DT_DIR, name: ".") == 24)
        #expect(Dirent64.append(into: b, at: 24, ino: 2, off: 2, type: DirentType.DT_DIR, name: "..") == 24)
        // 56 - 48 = 8 bytes left: no record fits.
        #expect(Dirent64.append(into: b, at: 48, ino: 3, off: 3, type: DirentType.DT_REG, name: "a") == nil)
        #expect(Dirent64.append(into: b, at: 100, ino: 3, off: 3, type: DirentType.DT_REG, name: "a") == nil)
        #expect(Dirent64.append(into: b, at: -1, ino: 3, off: 3, type: DirentType.DT_REG, name: "a") == nil)
    }
    // A 5-byte name needs 19 + 5 + 1 = 25 -> 32 bytes; exactly 32 left fits.
    #expect(Dirent64.recordLength(nameLength: 5) == 32)
    #expect(Dirent64.recordLength(nameLength: 4) == 24)
    var exact = [UInt8](repeating: 0, count: 32)
    #expect(exact.withUnsafeMutableBytes { Dirent64.append(into: $0, at: 0, ino: 1, off: 1, type: 0, name: "hello") } == 32)
    let second = buf.withUnsafeBytes { Dirent64.decode(from: $0, at: 24) }
    #expect(second?.d_ino == 2 && second?.nameLength == 2 && second?.d_reclen == 24)
}

@Test func dirent64DecodeRejectsMalformed() {
    var buf = [UInt8](repeating: 0, count: 32)
    // reclen 0, reclen past the end, and a name without NUL.
    #expect(buf.withUnsafeBytes { Dirent64.decode(from: $0, at: 0) } == nil)
    buf[16] = 64
    #expect(buf.withUnsafeBytes { Dirent64.decode(from: $0, at: 0) } == nil)
    buf[16] = 24
    for i in 19..<24 { buf[i] = 0x41 }
    #expect(buf.withUnsafeBytes { Dirent64.decode(from: $0, at: 0) } == nil)
    #expect(buf.withUnsafeBytes { Dirent64.decode(from: $0, at: 20) } == nil)
    #expect(buf.withUnsafeBytes { Dirent64.decode(from: $0, at: -5) } == nil)
}

@Test func roundTripsKeepEveryField() {
    var st = Stat()
    st.st_mode = FileMode.S_IFREG | 0o644; st.st_size = -1; st.st_ino = .max
    #expect(decoded(encoded(st)) == st)
    var sx = Statx()
    sx.stx_mask = StatxMask.STATX_BASIC_STATS; sx.stx_btime = StatxTimestamp(tv_sec: -5, tv_nsec: 999_999_999)
    #expect(decoded(encoded(sx)) == sx)
    #expect(encoded(sx)[160..<256].allSatisfy { $0 == 0 })
    #expect(decoded(encoded(RLimit(rlim_cur: Rlimit.RLIM_INFINITY, rlim_max: 7))) == RLimit(rlim_cur: .max, rlim_max: 7))
    #expect(decoded([UInt8](), as: Timespec.self) == nil)
}

@Test func deviceNumbersMatchGlibc() {
    for (ma, mi) in [(UInt32(1), UInt32(3)), (136, 0), (0x1234, 0x56789), (0xffff_ffff, 0xffff_ffff), (0, 0)] {
        let dev = DeviceNumber.make(major: ma, minor: mi)
        #expect(dev == chusk_abi_makedev(ma, mi))
        #expect(DeviceNumber.major(dev) == ma && DeviceNumber.minor(dev) == mi)
    }
}
