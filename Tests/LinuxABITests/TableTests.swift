import CHusk
import LinuxABI
import Testing

@Test func syscallTableMatchesEverySysNumber() {
    let n = chusk_abi_sys_count()
    #expect(n > 350)
    for i in 0..<n {
        let name = String(cString: chusk_abi_sys_name(i))
        let nr = chusk_abi_sys_nr(i)
        #expect(syscallNumber(named: name) == nr, "\(name)")
        #expect(syscallName(nr) == name, "\(nr)")
    }
}

@Test func syscallNumbersSample() {
    #expect(SyscallNumber.read == 0)
    #expect(SyscallNumber.openat == 257)
    #expect(SyscallNumber.execveat == 322)
    #expect(SyscallNumber.clone3 == 435)
    #expect(SyscallNumber.set_mempolicy_home_node == 450)
    // Added after the 6.1 headers.
    #expect(SyscallNumber.cachestat == 451)
    #expect(SyscallNumber.fchmodat2 == 452)
    #expect(SyscallNumber.futex_wait == 455)
    #expect(SyscallNumber.mseal == 462)
    #expect(SyscallNumber.open_tree_attr == 467)
    #expect(SyscallNumber.file_setattr == 469)
    #expect(SyscallNumber.max == 469 && SyscallNumber.count == 470)
    #expect(syscallNames.count == SyscallNumber.count)
    #expect(syscallName(SyscallNumber.mseal) == "mseal")
    #expect(syscallNumber(named: "fchmodat2") == 452)
}

@Test func syscallLookupRejectsUnknown() {
    #expect(syscallName(-1) == nil)
    #expect(syscallName(400) == nil)  // the gap between 334 and 424
    #expect(syscallName(SyscallNumber.count) == nil)
    #expect(syscallName(Int.max) == nil)
    #expect(syscallNumber(named: "") == nil)
    #expect(syscallNumber(named: "nosuchcall") == nil)
}

@Test func errnoNamesCoverEveryValue() {
    // 41 and 58 are unassigned on Linux (EWOULDBLOCK and EDEADLOCK are aliases).
    for e in Int32(1)...133 where e != 41 && e != 58 {
        guard let name = errnoName(e) else {
            Issue.record("no name for \(e)")
            continue
        }
        #expect(errnoValue(named: name) == e)
        #expect(cConst(name) == Int64(e), "\(name)")
    }
    #expect(errnoName(2) == "ENOENT")
    #expect(errnoName(11) == "EAGAIN")     // not EWOULDBLOCK
    #expect(errnoName(35) == "EDEADLK")    // not EDEADLOCK
    #expect(errnoName(512) == "ERESTARTSYS")
    #expect(errnoName(516) == "ERESTART_RESTARTBLOCK")
    #expect(errnoValue(named: "EWOULDBLOCK") == 11)
    #expect(errnoValue(named: "ENOTSUP") == 95)
    #expect(errnoValue(named: "ENOIOCTLCMD") == 515)
    #expect(LinuxErrno.max == 133)
}

@Test func errnoLookupRejectsUnknown() {
    #expect(errnoName(0) == nil)
    #expect(errnoName(41) == nil && errnoName(58) == nil)
    #expect(errnoName(-2) == nil)
    #expect(errnoName(134) == nil)
    #expect(errnoName(511) == nil)
    #expect(errnoName(517) == nil)
    #expect(errnoName(Int32.min) == nil)
    #expect(errnoValue(named: "ENOSUCH") == nil)
}
