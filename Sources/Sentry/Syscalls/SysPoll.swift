import Glibc
import LinuxABI
import SystemPackage

// poll, ppoll, select, pselect6, epoll_create, epoll_create1, epoll_ctl, epoll_wait,
// epoll_pwait, epoll_pwait2.
//
// Every call checks readiness at once; when nothing is ready and the timeout allows, it parks
// on the task's WaitSet (all the files' queues plus a deadline) and re-runs when one fires.
// The deadline is fixed on the first run, in the call's TimedWait (Kernel/BlockedCall.swift),
// so retries keep the original timeout.
//
// Signal masks (ppoll, pselect6, epoll_pwait/2): the mask is copied in on the first run and
// kept as the TimedWait's wait mask while the call waits. The signal layer (Kernel/Signals.swift)
// decides with it whether a signal interrupts the call, and delivers one that does through a
// native rt_sigsuspend with that mask, so the handler runs under it and the caller's own mask
// comes back afterwards, as Linux does.

private let nanosPerSecond: UInt64 = 1_000_000_000
/// Deadlines beyond this are "forever" (about 146 years).
private let farFuture = TimedWait.farFuture

extension Task {
    /// The call's wait: on the first run `make` copies in the timeout (ns, nil: none) and the
    /// mask and the deadline is fixed; a retry finds the same wait.
    fileprivate func timedWait<E: Error>(_ make: () throws(E) -> (timeout: UInt64?, mask: UInt64?)) throws(E) -> TimedWait {
        if let w = blockedCall(TimedWait.self) { return w }
        let (timeout, mask) = try make()
        return beginBlockedCall(TimedWait(timeout: timeout, mask: mask))
    }

    /// Parks on the wait set with the deadline (the set's watches are already registered).
    fileprivate func parkOnWaitSet(_ ws: WaitSet, _ wait: TimedWait) -> SyscallReturn {
        if let deadline = wait.deadline { ws.wake(at: deadline, timers: kernel.timers) }
        return .block(ws.queue, WaitSet.any)
    }
}

extension TimedWait {
    /// The time left before the deadline (0 when passed), for the timeouts Linux writes back.
    fileprivate var left: (sec: Int64, nsec: Int64) {
        let left = timeLeft()
        return (Int64(left / nanosPerSecond), Int64(left % nanosPerSecond))
    }
}

/// A timeout in ms (poll, epoll_wait): negative waits forever.
private func millisTimeout(_ ms: Int32) -> UInt64? { ms < 0 ? nil : UInt64(ms) * 1_000_000 }

/// A timespec argument as a timeout in ns: EFAULT, or EINVAL when out of range.
private func copyInTimeout(_ task: Task, _ address: UInt64) throws(Errno) -> UInt64 {
    let ts = try task.copyInStruct(address, as: LinuxABI.Timespec.self)
    if ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1_000_000_000 { throw .invalidArgument }
    if ts.tv_sec >= Int64(farFuture / nanosPerSecond) { return farFuture }
    return UInt64(ts.tv_sec) * nanosPerSecond + UInt64(ts.tv_nsec)
}

/// The sigmask argument of ppoll/pselect6/epoll_pwait: size must be 8; the mask is copied in
/// (EFAULT) and returned, for the call's TimedWait to keep while it waits.
private func copyInSigmask(_ task: Task, _ address: UInt64, size: Int) throws(Errno) -> UInt64? {
    if address == 0 { return nil }
    if size != 8 { throw .invalidArgument }
    return try task.copyInValue(address, as: UInt64.self)
}

// MARK: poll, ppoll

/// The shared body of poll and ppoll: fills revents, returns the count or parks.
private func pollFDs(_ task: Task, _ address: UInt64, _ nfds: UInt32, _ wait: TimedWait, writeBack: UInt64?) -> SyscallReturn {
    if UInt64(nfds) > UInt64(task.group.rlimits.limits[7].soft) { return .error(.invalidArgument) }
    let count = Int(nfds)
    let bytes = count * PollFD.size
    let owned = bytes > IOScratch.size
    let buf = owned ? UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 8) : IOScratch.slice(UInt64(bytes))
    defer { if owned { buf.deallocate() } }
    do { try task.copyIn(address, buf) } catch { return .error(error) }
    let expired = wait.expired()

    var ready = 0
    for i in 0..<count {
        let o = i * PollFD.size
        let fd = Int32(littleEndian: buf.loadUnaligned(fromByteOffset: o, as: Int32.self))
        let events = EventMask(UInt16(bitPattern: Int16(littleEndian: buf.loadUnaligned(fromByteOffset: o + 4, as: Int16.self))))
        var revents: EventMask = 0
        if fd >= 0 {
            if let file = task.fdTable[fd]?.file {
                let mask = events | PollEvents.error | PollEvents.hangUp
                revents = normalizedReadiness(file, mask) & mask
            } else {
                revents = PollEvents.invalid
            }
        }
        buf.storeBytes(of: Int16(bitPattern: UInt16(truncatingIfNeeded: revents)).littleEndian, toByteOffset: o + 6, as: Int16.self)
        if revents != 0 { ready += 1 }
    }

    if ready > 0 || expired {
        task.waitSet?.clear()
        let left = wait.left
        do { try task.copyOut(address, UnsafeRawBufferPointer(buf)) } catch { return .error(error) }
        if let ts = writeBack, wait.timeout != 0 {
            // Linux ignores a fault here: the call itself succeeded.
            try? task.copyOutStruct(ts, LinuxABI.Timespec(tv_sec: left.sec, tv_nsec: left.nsec))
        }
        return .ok(ready)
    }

    let ws = task.freshWaitSet()
    for i in 0..<count {
        let o = i * PollFD.size
        let fd = Int32(littleEndian: buf.loadUnaligned(fromByteOffset: o, as: Int32.self))
        guard fd >= 0, let file = task.fdTable[fd]?.file, let q = file.waitQueue else { continue }
        let events = EventMask(UInt16(bitPattern: Int16(littleEndian: buf.loadUnaligned(fromByteOffset: o + 4, as: Int16.self))))
        ws.watch(q, mask: events | PollEvents.error | PollEvents.hangUp)
    }
    return task.parkOnWaitSet(ws, wait)
}

/// poll(2): timeout in ms, negative waits forever.
func sysPoll(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let wait = task.timedWait { (millisTimeout(a.int(2)), nil) }
    return pollFDs(task, a[0], a.uint(1), wait, writeBack: nil)
}

/// ppoll(2): a timespec timeout (written back with the time left), an optional signal mask.
func sysPpoll(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let wait: TimedWait
    do {
        wait = try task.timedWait { () throws(Errno) in
            (a[2] != 0 ? try copyInTimeout(task, a[2]) : nil, try copyInSigmask(task, a[3], size: a.size(4)))
        }
    } catch { return .error(error) }
    return pollFDs(task, a[0], a.uint(1), wait, writeBack: a[2] != 0 ? a[2] : nil)
}

// MARK: select, pselect6

private let pollInSet = PollEvents.readNormal | PollEvents.readBand | PollEvents.input | PollEvents.hangUp | PollEvents.error
private let pollOutSet = PollEvents.writeBand | PollEvents.writeNormal | PollEvents.output | PollEvents.error
private let pollExSet = PollEvents.priority

/// The shared body of select and pselect6. `timeout` nil waits forever.
private func selectFDs(_ task: Task, _ a: SyscallArguments, _ wait: TimedWait, writeBack: (UInt64, timeval: Bool)?) -> SyscallReturn {
    let nfdsArg = a.int(0)
    if nfdsArg < 0 { return .error(.invalidArgument) }
    // Linux clamps n to the fd table's size (at least 64, a power of two).
    var tableSize = 64
    if let last = task.fdTable.openFDs.last { while tableSize <= Int(last) { tableSize <<= 1 } }
    let n = min(Int(nfdsArg), tableSize)
    let words = (n + 63) / 64
    let setAddresses = [a[1], a[2], a[3]]
    var sets = [[UInt64]](repeating: [], count: 3)
    do {
        for k in 0..<3 where setAddresses[k] != 0 && words > 0 {
            var w = [UInt64](repeating: 0, count: words)
            let r: Result<Void, Errno> = w.withUnsafeMutableBytes { b in Result { () throws(Errno) in try task.copyIn(setAddresses[k], b) } }
            try r.get()
            sets[k] = w
        }
    } catch { return .error(error) }
    let expired = wait.expired()

    var results = [[UInt64]](repeating: [UInt64](repeating: 0, count: words), count: 3)
    var ready = 0
    var watched: [(WaitQueue, EventMask)] = []
    for word in 0..<words {
        let any = (sets[0].isEmpty ? 0 : sets[0][word]) | (sets[1].isEmpty ? 0 : sets[1][word]) | (sets[2].isEmpty ? 0 : sets[2][word])
        if any == 0 { continue }
        for bit in 0..<64 where any & (1 << UInt64(bit)) != 0 {
            let fd = word * 64 + bit
            if fd >= n { break }
            guard let file = task.fdTable[Int32(fd)]?.file else { return .error(.badFileDescriptor) }
            let wantIn = !sets[0].isEmpty && sets[0][word] & (1 << UInt64(bit)) != 0
            let wantOut = !sets[1].isEmpty && sets[1][word] & (1 << UInt64(bit)) != 0
            let wantEx = !sets[2].isEmpty && sets[2][word] & (1 << UInt64(bit)) != 0
            var mask: EventMask = PollEvents.error | PollEvents.hangUp
            if wantIn { mask |= pollInSet }
            if wantOut { mask |= pollOutSet }
            if wantEx { mask |= pollExSet }
            let r = normalizedReadiness(file, mask)
            if wantIn && r & pollInSet != 0 { results[0][word] |= 1 << UInt64(bit); ready += 1 }
            if wantOut && r & pollOutSet != 0 { results[1][word] |= 1 << UInt64(bit); ready += 1 }
            if wantEx && r & pollExSet != 0 { results[2][word] |= 1 << UInt64(bit); ready += 1 }
            if let q = file.waitQueue { watched.append((q, mask)) }
        }
    }

    if ready > 0 || expired {
        task.waitSet?.clear()
        let left = wait.left
        do {
            for k in 0..<3 where setAddresses[k] != 0 && words > 0 {
                let r: Result<Void, Errno> = results[k].withUnsafeBytes { b in Result { () throws(Errno) in try task.copyOut(setAddresses[k], b) } }
                try r.get()
            }
        } catch { return .error(error) }
        if let (address, isTimeval) = writeBack, wait.timeout != 0 {
            if isTimeval {
                try? task.copyOutStruct(address, Timeval(tv_sec: left.sec, tv_usec: left.nsec / 1000))
            } else {
                try? task.copyOutStruct(address, LinuxABI.Timespec(tv_sec: left.sec, tv_nsec: left.nsec))
            }
        }
        return .ok(ready)
    }
    let ws = task.freshWaitSet()
    for (q, mask) in watched { ws.watch(q, mask: mask) }
    return task.parkOnWaitSet(ws, wait)
}

/// select(2): a timeval timeout, written back with the time left (Linux does).
func sysSelect(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let wait: TimedWait
    do {
        wait = try task.timedWait { () throws(Errno) in
            guard a[4] != 0 else { return (nil, nil) }
            let tv = try task.copyInStruct(a[4], as: Timeval.self)
            if tv.tv_sec < 0 || tv.tv_usec < 0 { throw .invalidArgument }
            let sec = tv.tv_sec &+ tv.tv_usec / 1_000_000
            let nsec = (tv.tv_usec % 1_000_000) * 1000
            return (sec < 0 || sec >= Int64(farFuture / nanosPerSecond) ? farFuture : UInt64(sec) * nanosPerSecond + UInt64(nsec), nil)
        }
    } catch { return .error(error) }
    return selectFDs(task, a, wait, writeBack: a[4] != 0 ? (a[4], true) : nil)
}

/// pselect6(2): a timespec timeout (written back) and a {sigset *, size} pair.
func sysPselect6(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let wait: TimedWait
    do {
        wait = try task.timedWait { () throws(Errno) in
            let timeout = a[4] != 0 ? try copyInTimeout(task, a[4]) : nil
            guard a[5] != 0 else { return (timeout, nil) }
            let pair = try task.copyInBytes(a[5], count: 16)
            let (mask, size) = pair.withUnsafeBytes { b in (UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 0, as: UInt64.self)), UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self))) }
            return (timeout, try copyInSigmask(task, mask, size: Int(truncatingIfNeeded: size)))
        }
    } catch { return .error(error) }
    return selectFDs(task, a, wait, writeBack: a[4] != 0 ? (a[4], false) : nil)
}

// MARK: epoll

/// epoll_create(2): size must be positive and is otherwise ignored.
func sysEpollCreate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    if a.int(0) <= 0 { return .error(.invalidArgument) }
    return makeEpoll(task, cloexec: false)
}

/// epoll_create1(2): EPOLL_CLOEXEC only.
func sysEpollCreate1(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(0)
    if flags & ~Epoll.EPOLL_CLOEXEC != 0 { return .error(.invalidArgument) }
    return makeEpoll(task, cloexec: flags & Epoll.EPOLL_CLOEXEC != 0)
}

private func makeEpoll(_ task: Task, cloexec: Bool) -> SyscallReturn {
    serve { () throws(Errno) in
        .ok(Int(try task.fdTable.allocate(try EpollFile(account: task.kernel.memory), closeOnExec: cloexec, limit: task.fdLimit)))
    }
}

/// Events EPOLLEXCLUSIVE may be combined with.
private let exclusiveOK = Epoll.EPOLLIN | Epoll.EPOLLOUT | Epoll.EPOLLERR | Epoll.EPOLLHUP | Epoll.EPOLLWAKEUP | Epoll.EPOLLET | Epoll.EPOLLEXCLUSIVE

/// True when `target` is `ep` or watches it through nested instances (ELOOP).
private func reaches(_ target: EpollFile, _ ep: EpollFile, depth: Int = 0) -> Bool {
    if target === ep { return true }
    if depth > 5 { return true }   // EP_MAX_NESTS
    for f in target.watchedFiles {
        if let inner = f as? EpollFile, reaches(inner, ep, depth: depth + 1) { return true }
    }
    return false
}

/// epoll_ctl(2): EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL.
func sysEpollCtl(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let op = a.int(1), fd = a.int(2)
        var event = EpollEvent()
        if op != Epoll.EPOLL_CTL_DEL { event = try task.copyInStruct(a[3], as: EpollEvent.self) }
        let epFile = try task.fdTable.get(a.int(0))
        let target = try task.fdTable.get(fd)
        if target.waitQueue == nil { throw .notPermitted }   // regular files, directories: no poll
        guard let ep = epFile as? EpollFile, epFile !== target else { throw .invalidArgument }
        if op != Epoll.EPOLL_CTL_DEL && event.events & Epoll.EPOLLEXCLUSIVE != 0 {
            if op == Epoll.EPOLL_CTL_MOD { throw .invalidArgument }
            if op == Epoll.EPOLL_CTL_ADD && (target is EpollFile || event.events & ~exclusiveOK != 0) { throw .invalidArgument }
        }
        if op == Epoll.EPOLL_CTL_ADD, let inner = target as? EpollFile, reaches(inner, ep) { throw .tooManySymbolicLinkLevels }
        let existing = ep.entry(fd: fd, file: target)
        let events = event.events | Epoll.EPOLLERR | Epoll.EPOLLHUP
        switch op {
        case Epoll.EPOLL_CTL_ADD:
            if existing != nil { throw .fileExists }
            try ep.add(fd: fd, file: target, events: events, data: event.data)
        case Epoll.EPOLL_CTL_DEL:
            guard let e = existing else { throw .noSuchFileOrDirectory }
            ep.remove(e)
        case Epoll.EPOLL_CTL_MOD:
            guard let e = existing else { throw .noSuchFileOrDirectory }
            if e.events & Epoll.EPOLLEXCLUSIVE == 0 { ep.modify(e, events: events, data: event.data) }
        default:
            throw .invalidArgument
        }
        return .zero
    }
}

/// The shared body of the epoll_wait family. `timeout` nil waits forever.
private func epollWait(_ task: Task, _ a: SyscallArguments, _ wait: TimedWait) -> SyscallReturn {
    let maxEvents = a.int(2)
    if maxEvents <= 0 || maxEvents > Int32.max / Int32(EpollEvent.size) { return .error(.invalidArgument) }
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    guard let ep = file as? EpollFile else { return .error(.invalidArgument) }
    let expired = wait.expired()
    var out: [(UInt32, UInt64)] = []
    let scanned = ep.harvest(max: Int(maxEvents), into: &out)
    if !out.isEmpty {
        task.waitSet?.clear()
        let buf = IOScratch.slice(UInt64(out.count * EpollEvent.size))
        for (i, (ev, data)) in out.enumerated() {
            EpollEvent(events: ev, data: data).encode(into: UnsafeMutableRawBufferPointer(rebasing: buf[(i * EpollEvent.size)...]))
        }
        // A fault leaves the ready list as it was (Linux puts the events back).
        do { try task.copyOut(a[1], UnsafeRawBufferPointer(buf)) } catch { return .error(error) }
        ep.commitHarvest(scanned: scanned)
        return .ok(out.count)
    }
    if expired {
        task.waitSet?.clear()
        return .zero
    }
    let ws = task.freshWaitSet()
    ws.watch(ep.queue, mask: PollEvents.input)
    return task.parkOnWaitSet(ws, wait)
}

/// epoll_wait(2): timeout in ms, negative waits forever.
func sysEpollWait(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    epollWait(task, a, task.timedWait { (millisTimeout(a.int(3)), nil) })
}

/// epoll_pwait(2): epoll_wait with a signal mask (validated first, as Linux does).
func sysEpollPwait(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let wait: TimedWait
    do {
        wait = try task.timedWait { () throws(Errno) in (millisTimeout(a.int(3)), try copyInSigmask(task, a[4], size: a.size(5))) }
    } catch { return .error(error) }
    return epollWait(task, a, wait)
}

/// epoll_pwait2(2): a timespec timeout (NULL waits forever) and a signal mask.
func sysEpollPwait2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let wait: TimedWait
    do {
        wait = try task.timedWait { () throws(Errno) in
            (a[3] != 0 ? try copyInTimeout(task, a[3]) : nil, try copyInSigmask(task, a[4], size: a.size(5)))
        }
    } catch { return .error(error) }
    return epollWait(task, a, wait)
}
