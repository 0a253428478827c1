import Glibc
import LinuxABI
import SystemPackage

// pipe, pipe2; read/write/readv/writev on a pipe (called from SysRead); F_GETPIPE_SZ and
// F_SETPIPE_SZ (called from SysFcntl).

private let pipe2Flags: Int32 = OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT
/// O_NOTIFICATION_PIPE (O_EXCL): watch-queue pipes are not supported: ENOPKG, as a kernel
/// without CONFIG_WATCH_QUEUE answers.
private let notificationPipe: Int32 = 0o200

/// pipe(2).
func sysPipe(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    makePipe(task, a[0], flags: 0)
}

/// pipe2(2): O_CLOEXEC, O_NONBLOCK, O_DIRECT (packet mode).
func sysPipe2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(1)
    if flags & ~(pipe2Flags | notificationPipe) != 0 { return .error(.invalidArgument) }
    if flags & notificationPipe != 0 { return .error(Errno(rawValue: 65)) }   // ENOPKG
    return makePipe(task, a[0], flags: flags)
}

/// ENFILE when the pipe cannot be made (past pipe-user-pages-hard, or no room in the memory
/// account), as create_pipe_files answers a failed alloc_pipe_info.
private func makePipe(_ task: Task, _ address: UInt64, flags: Int32) -> SyscallReturn {
    let status = flags & (OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT)
    guard let pipe = Pipe.allocate(creds: task.creds, limits: task.kernel.pipeLimits, memory: task.kernel.memory) else {
        return .error(.tooManyOpenFilesInSystem)
    }
    let ends = PipeFile.makePair(statusFlags: status, pipe: pipe)
    let cloexec = flags & OpenFlags.O_CLOEXEC != 0
    let r: Int32, w: Int32
    do {
        r = try task.fdTable.allocate(ends.read, closeOnExec: cloexec, limit: task.fdLimit)
    } catch { return .error(error) }
    do {
        w = try task.fdTable.allocate(ends.write, closeOnExec: cloexec, limit: task.fdLimit)
    } catch {
        task.fdTable.remove(r)
        return .error(error)
    }
    let pair = (UInt64(UInt32(bitPattern: r)) | UInt64(UInt32(bitPattern: w)) << 32)
    do {
        try task.copyOutValue(address, pair)
    } catch {
        task.fdTable.remove(r)
        task.fdTable.remove(w)
        return .error(error)
    }
    return .zero
}

// MARK: Transfers between a pipe and the task's memory

/// Copies the ring bytes `source` to the task's iovecs at stream offset `offset`.
private func scatter(_ task: Task, _ targets: [(UInt64, UInt64)], _ offset: Int, _ source: UnsafeRawBufferPointer) throws(Errno) {
    var skip = offset
    var done = 0
    for (base, len) in targets {
        if done == source.count { return }
        let l = Int(clamping: len)
        if skip >= l { skip -= l; continue }
        let part = min(l - skip, source.count - done)
        try task.copyOut(base &+ UInt64(skip), UnsafeRawBufferPointer(rebasing: source[done..<(done + part)]))
        done += part
        skip = 0
    }
}

/// Fills `destination` from the task's iovecs starting at stream offset `offset`.
private func gather(_ task: Task, _ sources: [(UInt64, UInt64)], _ offset: Int, _ destination: UnsafeMutableRawBufferPointer) throws(Errno) {
    var skip = offset
    var done = 0
    for (base, len) in sources {
        if done == destination.count { return }
        let l = Int(clamping: len)
        if skip >= l { skip -= l; continue }
        let part = min(l - skip, destination.count - done)
        try task.copyIn(base &+ UInt64(skip), UnsafeMutableRawBufferPointer(rebasing: destination[done..<(done + part)]))
        done += part
        skip = 0
    }
}

/// read/readv on a pipe: what is buffered (at most one packet), EOF with no writer, else
/// EAGAIN or park until a write or the last writer's close. The bytes are consumed only once
/// they reached the task (a fault leaves them in the pipe).
func pipeRead(_ task: Task, _ file: PipeFile, _ targets: [(UInt64, UInt64)]) -> SyscallReturn {
    let pipe = file.pipe
    var total = 0
    for (_, len) in targets { total += Int(clamping: len) }
    if total == 0 { return .zero }
    if pipe.count == 0 {
        if pipe.writers == 0 { return .zero }
        return file.isNonBlocking ? .error(.resourceTemporarilyUnavailable) : .block(pipe.queue, PollEvents.input)
    }
    let buf = IOScratch.slice(UInt64(min(total, pipe.count)))
    let n = pipe.peek(into: buf)
    do { try scatter(task, targets, 0, UnsafeRawBufferPointer(rebasing: buf[0..<n])) } catch { return .error(error) }
    pipe.consume(n)
    return .ok(n)
}

/// write/writev on a pipe. A blocking write moves all its bytes: it writes what fits, records
/// the count as the call's `PartialTransfer` and parks; the retry continues from there (and a
/// signal that ends the wait returns the count, pipe(7)). Up to
/// PIPE_BUF bytes go in at once or not at all. With no reader: SIGPIPE to the thread and EPIPE
/// (or the count already written). When the memory account cannot pay for another page the
/// write ends, blocking or not: ENOMEM, or the count written (pipe_write's failed alloc_page).
func pipeWrite(_ task: Task, _ file: PipeFile, _ sources: [(UInt64, UInt64)]) -> SyscallReturn {
    let pipe = file.pipe
    var total = 0
    for (_, len) in sources { total += Int(clamping: len) }
    var done = task.blockedCall(PartialTransfer.self)?.done ?? 0
    task.endBlockedCall()
    if total == 0 { return .zero }
    if pipe.readers == 0 {
        try? task.platform.signalThread(tgid: task.group.hostTGID, tid: task.hostTID, signal: SIGPIPE)
        return done > 0 ? .ok(done) : .error(.brokenPipe)
    }
    let (n, shortOfMemory) = pipe.room(for: total - done, merge: done == 0, limit: IOScratch.size)
    if n > 0 {
        let buf = IOScratch.slice(UInt64(n))
        do { try gather(task, sources, done, buf) } catch { return done > 0 ? .ok(done) : .error(error) }
        pipe.append(UnsafeRawBufferPointer(buf), packet: file.isPacketized, merge: done == 0)
        done += n
    }
    if shortOfMemory { return done > 0 ? .ok(done) : .error(.noMemory) }
    if done < total {
        if !file.isNonBlocking {
            task.beginBlockedCall(PartialTransfer(done: done))
            return .block(pipe.queue, PollEvents.output)
        }
        if done == 0 { return .error(.resourceTemporarilyUnavailable) }
    }
    return .ok(done)
}

// MARK: fcntl

/// F_GETPIPE_SZ / F_SETPIPE_SZ; EBADF for a file that is not a pipe (as Linux). F_SETPIPE_SZ:
/// EINVAL past 2^31, EPERM to grow above pipe-max-size without CAP_SYS_RESOURCE or past the
/// user's pipe-user-pages limits without CAP_SYS_RESOURCE/CAP_SYS_ADMIN, EBUSY below the
/// content, ENOMEM when the memory account cannot hold the ring (Pipe.resize).
func pipeSizeFcntl(_ task: Task, _ file: FileDescription, command: Int32, argument: UInt64) -> SyscallReturn {
    guard let pf = file as? PipeFile else { return .error(.badFileDescriptor) }
    if command == Fcntl.F_GETPIPE_SZ { return .ok(pf.pipe.capacity) }
    // The argument is an unsigned int in Linux's pipe_fcntl.
    guard let size = Pipe.roundSize(Int(UInt32(truncatingIfNeeded: argument))) else { return .error(.invalidArgument) }
    do { return .ok(try pf.pipe.resize(to: size, creds: task.creds)) } catch { return .error(error) }
}
