import CHusk
import Glibc
import LinuxABI
import SystemPackage

// splice(2) and tee(2): moving bytes between a pipe and a file or another pipe without a trip
// through the task's memory (here through the Sentry's scratch buffer); vmsplice between a
// pipe and the task's memory.

/// SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT.
private let spliceFlagsAll: UInt32 = 0xF
private let spliceNonBlock: UInt32 = 2

/// EPIPE with SIGPIPE to the calling thread, as a write to a pipe without readers.
private func brokenPipe(_ task: Task) -> SyscallReturn {
    try? task.platform.signalThread(tgid: task.group.hostTGID, tid: task.hostTID, signal: SIGPIPE)
    return .error(.brokenPipe)
}

/// splice(2): one side must be a pipe. Pipe offsets are ESPIPE; an O_APPEND output is EINVAL;
/// the same pipe on both sides is EINVAL. Blocks like a pipe read or write unless
/// SPLICE_F_NONBLOCK or the pipe's own O_NONBLOCK.
func sysSplice(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let length = a[4]
    if length == 0 { return .zero }
    let flags = a.uint(5)
    if flags & ~spliceFlagsAll != 0 { return .error(.invalidArgument) }
    guard let input = task.fdTable[a.int(0)]?.file, let out = task.fdTable[a.int(2)]?.file else { return .error(.badFileDescriptor) }
    if !input.canRead || !out.canWrite { return .error(.badFileDescriptor) }
    let inPipe = input as? PipeFile, outPipe = out as? PipeFile
    let want = Int(min(length, UInt64(IOScratch.size)))

    switch (inPipe, outPipe) {
    case let (ip?, op?):
        if a[1] != 0 || a[3] != 0 { return .error(.illegalSeek) }
        if ip.pipe === op.pipe { return .error(.invalidArgument) }
        let nonBlocking = flags & spliceNonBlock != 0 || ip.isNonBlocking || op.isNonBlocking
        if ip.pipe.count == 0 {
            if ip.pipe.writers == 0 { return .zero }
            return nonBlocking ? .error(.resourceTemporarilyUnavailable) : .block(ip.pipe.queue, PollEvents.input)
        }
        if op.pipe.readers == 0 { return brokenPipe(task) }
        let (n, shortOfMemory) = op.pipe.room(for: min(want, ip.pipe.count))
        if n == 0 {
            if shortOfMemory { return .error(.noMemory) }
            return nonBlocking ? .error(.resourceTemporarilyUnavailable) : .block(op.pipe.queue, PollEvents.output)
        }
        let buf = IOScratch.slice(UInt64(n))
        let got = ip.pipe.peek(into: buf)
        op.pipe.append(UnsafeRawBufferPointer(rebasing: buf[0..<got]), packet: op.isPacketized)
        ip.pipe.consume(got)
        return .ok(got)

    case let (ip?, nil):
        // Pipe to file.
        if a[1] != 0 { return .error(.illegalSeek) }
        if out.statusFlags & O_APPEND != 0 { return .error(.invalidArgument) }
        var offset: Int64? = nil
        if a[3] != 0 {
            do { offset = try task.copyInValue(a[3], as: Int64.self) } catch { return .error(error) }
            if offset! < 0 { return .error(.invalidArgument) }
        }
        if ip.pipe.count == 0 {
            if ip.pipe.writers == 0 { return .zero }
            let nonBlocking = flags & spliceNonBlock != 0 || ip.isNonBlocking
            return nonBlocking ? .error(.resourceTemporarilyUnavailable) : .block(ip.pipe.queue, PollEvents.input)
        }
        let buf = IOScratch.slice(UInt64(min(want, ip.pipe.count)))
        let got = ip.pipe.peek(into: buf)
        let data = UnsafeRawBufferPointer(rebasing: buf[0..<got])
        let written: Int
        do {
            if let offset { written = try out.pwrite(task, data, at: offset) } else { written = try out.write(task, data) }
        } catch {
            if error == .illegalSeek { return .error(.invalidArgument) }
            return blockOrFail(out, error, PollEvents.output)
        }
        ip.pipe.consume(written)
        if let offset {
            do { try task.copyOutValue(a[3], offset + Int64(written)) } catch { return .error(error) }
        }
        return .ok(written)

    case let (nil, op?):
        // File to pipe.
        if a[3] != 0 { return .error(.illegalSeek) }
        var offset: Int64? = nil
        if a[1] != 0 {
            do { offset = try task.copyInValue(a[1], as: Int64.self) } catch { return .error(error) }
            if offset! < 0 { return .error(.invalidArgument) }
        }
        if op.pipe.readers == 0 { return brokenPipe(task) }
        let (room, shortOfMemory) = op.pipe.room(for: want)
        if room == 0 {
            if shortOfMemory { return .error(.noMemory) }
            let nonBlocking = flags & spliceNonBlock != 0 || op.isNonBlocking
            return nonBlocking ? .error(.resourceTemporarilyUnavailable) : .block(op.pipe.queue, PollEvents.output)
        }
        let buf = IOScratch.slice(UInt64(room))
        let got: Int
        do {
            if let offset { got = try input.pread(task, buf, at: offset) } else { got = try input.read(task, buf) }
        } catch {
            if error == .illegalSeek { return .error(.invalidArgument) }
            return blockOrFail(input, error, PollEvents.input)
        }
        if got == 0 { return .zero }
        op.pipe.append(UnsafeRawBufferPointer(rebasing: buf[0..<got]), packet: op.isPacketized)
        if let offset {
            do { try task.copyOutValue(a[1], offset + Int64(got)) } catch { return .error(error) }
        }
        return .ok(got)

    case (nil, nil):
        return .error(.invalidArgument)
    }
}

/// tee(2): copies up to `len` bytes from one pipe to another without consuming them.
func sysTee(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let length = a[2]
    if length == 0 { return .zero }
    let flags = a.uint(3)
    if flags & ~spliceFlagsAll != 0 { return .error(.invalidArgument) }
    guard let input = task.fdTable[a.int(0)]?.file, let out = task.fdTable[a.int(1)]?.file else { return .error(.badFileDescriptor) }
    if !input.canRead || !out.canWrite { return .error(.badFileDescriptor) }
    guard let ip = input as? PipeFile, let op = out as? PipeFile, ip.pipe !== op.pipe else { return .error(.invalidArgument) }
    let nonBlocking = flags & spliceNonBlock != 0 || ip.isNonBlocking || op.isNonBlocking
    if ip.pipe.count == 0 {
        if ip.pipe.writers == 0 { return .zero }
        return nonBlocking ? .error(.resourceTemporarilyUnavailable) : .block(ip.pipe.queue, PollEvents.input)
    }
    if op.pipe.readers == 0 { return brokenPipe(task) }
    let want = Int(min(length, UInt64(IOScratch.size)))
    let (n, shortOfMemory) = op.pipe.room(for: min(want, ip.pipe.count))
    if n == 0 {
        if shortOfMemory { return .error(.noMemory) }
        return nonBlocking ? .error(.resourceTemporarilyUnavailable) : .block(op.pipe.queue, PollEvents.output)
    }
    let buf = IOScratch.slice(UInt64(n))
    let got = ip.pipe.peek(into: buf)
    op.pipe.append(UnsafeRawBufferPointer(rebasing: buf[0..<got]), packet: op.isPacketized)
    return .ok(got)
}

/// sendfile(2): from a seekable file (at *offset when given, which is updated) to any file.
func sysSendfile(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let out = task.fdTable[a.int(0)]?.file, let input = task.fdTable[a.int(1)]?.file else { return .error(.badFileDescriptor) }
    if !input.canRead || !out.canWrite { return .error(.badFileDescriptor) }
    if out.statusFlags & O_APPEND != 0 { return .error(.invalidArgument) }
    var offset: Int64? = nil
    if a[2] != 0 {
        do { offset = try task.copyInValue(a[2], as: Int64.self) } catch { return .error(error) }
        if offset! < 0 { return .error(.invalidArgument) }
    }
    let count = min(a[3], 0x7fff_f000)
    if count == 0 { return .zero }
    let buf = IOScratch.slice(count)
    let n: Int
    do {
        n = try input.pread(task, buf, at: offset ?? input.offset)
    } catch {
        return .error(error == .illegalSeek ? .invalidArgument : error)
    }
    if n == 0 { return .zero }
    let written: Int
    do { written = try out.write(task, UnsafeRawBufferPointer(rebasing: buf[0..<n])) } catch {
        return blockOrFail(out, error, PollEvents.output)
    }
    if let offset {
        do { try task.copyOutValue(a[2], offset + Int64(written)) } catch { return .error(error) }
    } else {
        input.offset += Int64(written)
    }
    return .ok(written)
}

/// copy_file_range(2): between regular files, through the scratch buffer; flags must be 0.
func sysCopyFileRange(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        if a.uint(5) != 0 { throw .invalidArgument }
        let input = try task.fdTable.get(a.int(0)), out = try task.fdTable.get(a.int(2))
        if !input.canRead || !out.canWrite || out.statusFlags & O_APPEND != 0 { throw .badFileDescriptor }
        let ti = try input.stat().mode & FileType.mask, to = try out.stat().mode & FileType.mask
        if ti == FileType.directory || to == FileType.directory { throw .isDirectory }
        if ti != FileType.regular || to != FileType.regular { throw .invalidArgument }
        var inOff = input.offset, outOff = out.offset
        if a[1] != 0 { inOff = try task.copyInValue(a[1], as: Int64.self) }
        if a[3] != 0 { outOff = try task.copyInValue(a[3], as: Int64.self) }
        if inOff < 0 || outOff < 0 { throw .invalidArgument }
        let length = min(a[4], 0x7fff_f000)
        // The same file with overlapping ranges is EINVAL.
        if input.dentry?.inode === out.dentry?.inode && input.dentry != nil {
            let l = Int64(length)
            if inOff < outOff + l && outOff < inOff + l { throw .invalidArgument }
        }
        var done = 0
        while UInt64(done) < length {
            let buf = IOScratch.slice(length - UInt64(done))
            let n = try input.pread(task, buf, at: inOff + Int64(done))
            if n == 0 { break }
            let w = try out.pwrite(task, UnsafeRawBufferPointer(rebasing: buf[0..<n]), at: outOff + Int64(done))
            done += w
            if w < n { break }
        }
        if a[1] != 0 { try task.copyOutValue(a[1], inOff + Int64(done)) } else { input.offset += Int64(done) }
        if a[3] != 0 { try task.copyOutValue(a[3], outOff + Int64(done)) } else { out.offset += Int64(done) }
        return .ok(done)
    }
}

/// vmsplice(2): the task's memory into a pipe it may write, or a pipe's bytes into the task's
/// memory, copied as writev and readv on the pipe do (no page is shared: SPLICE_F_GIFT changes
/// nothing a program can see). SPLICE_F_NONBLOCK makes the pipe side non-blocking (EAGAIN).
func sysVmsplice(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    if a.uint(3) & ~spliceFlagsAll != 0 { return .error(.invalidArgument) }
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    let toPipe = file.canWrite
    if !toPipe && !file.canRead { return .error(.badFileDescriptor) }
    let iovecs: [(UInt64, UInt64)]
    do { iovecs = try copyInIovecs(task, a[1], a.int(2)) } catch { return .error(error) }
    if iovecs.allSatisfy({ $0.1 == 0 }) { return .zero }
    guard let pipe = (file as? PipeFile)?.pipe else { return .error(.badFileDescriptor) }
    if a.uint(3) & spliceNonBlock != 0 {
        if toPipe && pipe.readers > 0 && pipe.room(for: 1).0 == 0 { return .error(.resourceTemporarilyUnavailable) }
        if !toPipe && pipe.count == 0 && pipe.writers > 0 { return .error(.resourceTemporarilyUnavailable) }
    }
    return toPipe ? sysWritev(task, a) : sysReadv(task, a)
}
