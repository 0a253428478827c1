import Glibc
import LinuxABI
import SystemPackage

// pipe, pipe2; read/write/readv/writev on a pipe (called from SysRead); F_GETPIPE_SZ and
// F_SETPIPE_SZ (called from SysFcntl).

func installPipeSyscalls(into t: inout SyscallTable) {
    t.register(SyscallNumber.pipe, sysPipe)
    t.register(SyscallNumber.pipe2, sysPipe2)
}

/// O_NOTIFICATION_PIPE (O_EXCL): watch-queue pipes are not supported (EINVAL, as a kernel
/// without CONFIG_WATCH_QUEUE answers).
private let pipe2Flags: Int32 = OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT

/// pipe(2).
func sysPipe(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    makePipe(task, a[0], flags: 0)
}

/// pipe2(2): O_CLOEXEC, O_NONBLOCK, O_DIRECT (packet mode).
func sysPipe2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(1)
    if flags & ~pipe2Flags != 0 { return .error(.invalidArgument) }
    return makePipe(task, a[0], flags: flags)
}

private func makePipe(_ task: Task, _ address: UInt64, flags: Int32) -> SyscallReturn {
    let status = flags & (OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT)
    let ends = PipeFile.makePair(statusFlags: status)
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
/// EAGAIN or park until a write or the last writer's close.
func pipeRead(_ task: Task, _ file: PipeFile, _ targets: [(UInt64, UInt64)]) -> SyscallReturn {
    var total = 0
    for (_, len) in targets { total += Int(clamping: len) }
    do {
        let n = try file.pipe.read(length: total) { src, off throws(Errno) in try scatter(task, targets, off, src) }
        return .ok(n)
    } catch {
        if error == .resourceTemporarilyUnavailable && !file.isNonBlocking {
            return .block(file.pipe.queue, PollEvents.input)
        }
        return .error(error)
    }
}

/// write/writev on a pipe. A blocking write moves all its bytes: it writes what fits, records
/// the count in `task.progress.transferred` and parks; the retry continues from there. Up to
/// PIPE_BUF bytes go in at once or not at all. With no reader: SIGPIPE to the thread and EPIPE
/// (or the count already written).
func pipeWrite(_ task: Task, _ file: PipeFile, _ sources: [(UInt64, UInt64)]) -> SyscallReturn {
    var total = 0
    for (_, len) in sources { total += Int(clamping: len) }
    var done = task.progress.transferred
    let pipe = file.pipe
    let nonBlocking = file.isNonBlocking
    do {
        let n = try pipe.write(length: total - done, packet: file.isPacketized, atomic: done == 0) { dst, off throws(Errno) in
            try gather(task, sources, done + off, dst)
        }
        done += n
    } catch {
        switch error {
        case .brokenPipe:
            task.progress.transferred = 0
            try? task.platform.signalThread(tgid: task.group.hostTGID, tid: task.hostTID, signal: SIGPIPE)
            return done > 0 ? .ok(done) : .error(.brokenPipe)
        case .resourceTemporarilyUnavailable where !nonBlocking:
            task.progress.transferred = done
            return .block(pipe.queue, PollEvents.output)
        default:
            task.progress.transferred = 0
            return done > 0 ? .ok(done) : .error(error)
        }
    }
    if done < total && !nonBlocking {
        task.progress.transferred = done
        return .block(pipe.queue, PollEvents.output)
    }
    task.progress.transferred = 0
    return .ok(done)
}

// MARK: fcntl

/// F_GETPIPE_SZ / F_SETPIPE_SZ; EBADF-style EINVAL for a file that is not a pipe (as Linux).
func pipeSizeFcntl(_ task: Task, _ file: FileDescription, command: Int32, argument: UInt64) -> SyscallReturn {
    guard let pf = file as? PipeFile else { return .error(.invalidArgument) }
    if command == Fcntl.F_GETPIPE_SZ { return .ok(pf.pipe.capacity) }
    // The argument is an unsigned int in Linux's pipe_fcntl.
    guard let size = Pipe.roundSize(Int(UInt32(truncatingIfNeeded: argument))) else { return .error(.invalidArgument) }
    if size > Pipe.maximumSize && size > pf.pipe.capacity && !task.creds.isRoot { return .error(.notPermitted) }
    do {
        try pf.pipe.setCapacity(size)
        return .ok(size)
    } catch { return .error(error) }
}
