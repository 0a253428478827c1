import Glibc
import LinuxABI
import SystemPackage

// read, write, readv, writev, pread64, pwrite64, preadv, pwritev, preadv2, pwritev2, lseek.

/// Reads from `file` into the scratch buffer (at `offset` when given) and copies the bytes out
/// to the iovecs or the one buffer.
private func readInto(_ task: Task, _ file: FileDescription, _ targets: [(UInt64, UInt64)], offset: Int64?) -> SyscallReturn {
    if let pipe = file as? PipeFile {
        if offset != nil { return .error(.illegalSeek) }
        return file.canRead ? pipeRead(task, pipe, targets) : .error(.badFileDescriptor)
    }
    if file is UnixSocketFile || file is InetSocketFile {
        return offset != nil ? .error(.illegalSeek) : SysSocket.read(task, file, targets)
    }
    if let tty = file as? PtySlaveFile {
        return offset != nil ? .error(.illegalSeek) : tty.serveRead(task, targets)
    }
    if !file.canRead { return .error(.badFileDescriptor) }
    var total: UInt64 = 0
    for (_, len) in targets { total &+= len }
    let buf = IOScratch.slice(total)
    let n: Int
    do {
        if let offset { n = try file.pread(task, buf, at: offset) } else { n = try file.read(task, buf) }
    } catch { return blockOrFail(file, error, PollEvents.input) }
    if n > 0, let d = file.dentry, task.vfs.fsnotify.watchCount > 0 { FSNotify.node(InotifyMask.access, d) }
    return serve { () throws(Errno) in
        var done = 0
        for (base, len) in targets where done < n {
            let part = min(Int(clamping: len), n - done)
            try task.copyOut(base, UnsafeRawBufferPointer(rebasing: buf[done..<(done + part)]))
            done += part
        }
        return .ok(n)
    }
}

/// Gathers the iovecs (up to the scratch size) and writes them in one call.
private func writeFrom(_ task: Task, _ file: FileDescription, _ sources: [(UInt64, UInt64)], offset: Int64?) -> SyscallReturn {
    if let pipe = file as? PipeFile {
        if offset != nil { return .error(.illegalSeek) }
        return file.canWrite ? pipeWrite(task, pipe, sources) : .error(.badFileDescriptor)
    }
    if file is UnixSocketFile || file is InetSocketFile {
        return offset != nil ? .error(.illegalSeek) : SysSocket.write(task, file, sources)
    }
    if !file.canWrite { return .error(.badFileDescriptor) }
    if let dev = file as? DeviceFile, dev.discardsWrites {
        var total: UInt64 = 0
        for (_, len) in sources { total &+= len }
        return .ok(Int(clamping: min(total, UInt64(Int.max))))
    }
    var filled = 0
    do {
        for (base, len) in sources where filled < IOScratch.size {
            let part = min(Int(clamping: len), IOScratch.size - filled)
            try task.copyIn(base, UnsafeMutableRawBufferPointer(rebasing: IOScratch.buffer[filled..<(filled + part)]))
            filled += part
        }
    } catch { return .error(error) }
    var offset = offset
    if offset != nil || task.fileSizeLimit != nil {
        do {
            if let end = try writeEnd(task, file, offset: &offset, count: filled) { filled = end }
        } catch { return .error(error) }
    }
    let data = UnsafeRawBufferPointer(rebasing: IOScratch.buffer[0..<filled])
    if let tty = file as? PtySlaveFile { return offset != nil ? .error(.illegalSeek) : tty.serveWrite(task, data) }
    let n: Int
    do {
        if let offset { n = try file.pwrite(task, data, at: offset) } else { n = try file.write(task, data) }
    } catch { return blockOrFail(file, error, PollEvents.output) }
    if n > 0, let d = file.dentry, task.vfs.fsnotify.watchCount > 0 { FSNotify.node(InotifyMask.modify, d) }
    return .ok(n)
}

/// What a write to a regular file may do: pwrite on an O_APPEND file appends whatever its offset
/// (pwrite(2) BUGS, as Linux does), and RLIMIT_FSIZE bounds the end: a write that would start at
/// or past it fails with EFBIG after SIGXFSZ, one that would cross it is cut short. Returns the
/// byte count to write when it is cut; `offset` becomes the append position.
private func writeEnd(_ task: Task, _ file: FileDescription, offset: inout Int64?, count: Int) throws(Errno) -> Int? {
    guard let st = try? file.stat(), st.mode & FileType.mask == FileType.regular else { return nil }
    let append = file.statusFlags & O_APPEND != 0
    if offset != nil && append { offset = st.size }
    guard let limit = task.fileSizeLimit, count > 0 else { return nil }
    let start = UInt64(clamping: offset ?? (append ? st.size : file.offset))
    if start >= limit {
        task.fileSizeExceeded()
        throw .fileTooLarge
    }
    return limit - start < UInt64(count) ? Int(limit - start) : nil
}

/// Reads an iovec array (at most UIO_MAXIOV entries; the total must fit in ssize_t).
func copyInIovecs(_ task: Task, _ address: UInt64, _ count: Int32) throws(Errno) -> [(UInt64, UInt64)] {
    if count < 0 || count > 1024 { throw .invalidArgument }
    if count == 0 { return [] }
    let raw = try task.copyInBytes(address, count: Int(count) * 16)
    var out: [(UInt64, UInt64)] = []
    out.reserveCapacity(Int(count))
    var total: UInt64 = 0
    raw.withUnsafeBytes { b in
        for i in 0..<Int(count) {
            let base = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self))
            let len = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self))
            out.append((base, len))
            total = total &+ len
        }
    }
    for (_, len) in out where len > UInt64(Int.max) { throw .invalidArgument }
    if total > UInt64(Int.max) { throw .invalidArgument }
    return out
}

/// read(2): at most 1 MiB per call through the scratch buffer.
func sysRead(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    if a[2] > UInt64(Int.max) { return .error(.invalidArgument) }
    return readInto(task, file, [(a[1], a[2])], offset: nil)
}

/// write(2).
func sysWrite(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    if a[2] > UInt64(Int.max) { return .error(.invalidArgument) }
    return writeFrom(task, file, [(a[1], a[2])], offset: nil)
}

/// pread64(2): EINVAL for a negative offset, ESPIPE on streams (the file says so).
func sysPread64(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    if a.long(3) < 0 { return .error(.invalidArgument) }
    return readInto(task, file, [(a[1], a[2])], offset: a.long(3))
}

/// pwrite64(2).
func sysPwrite64(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    if a.long(3) < 0 { return .error(.invalidArgument) }
    return writeFrom(task, file, [(a[1], a[2])], offset: a.long(3))
}

/// readv(2): one read into the scratch buffer, scattered to the iovecs.
func sysReadv(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    do { return readInto(task, file, try copyInIovecs(task, a[1], a.int(2)), offset: nil) } catch { return .error(error) }
}

/// writev(2): the iovecs gathered into one write (atomic for pipes up to PIPE_BUF, as Linux).
func sysWritev(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    do { return writeFrom(task, file, try copyInIovecs(task, a[1], a.int(2)), offset: nil) } catch { return .error(error) }
}

/// preadv(2): the offset is the full 64-bit pos_l on x86_64.
func sysPreadv(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    if a.long(3) < 0 { return .error(.invalidArgument) }
    do { return readInto(task, file, try copyInIovecs(task, a[1], a.int(2)), offset: a.long(3)) } catch { return .error(error) }
}

/// pwritev(2).
func sysPwritev(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    if a.long(3) < 0 { return .error(.invalidArgument) }
    do { return writeFrom(task, file, try copyInIovecs(task, a[1], a.int(2)), offset: a.long(3)) } catch { return .error(error) }
}

/// preadv2 and pwritev2's RWF_* flags (linux/fs.h). Linux 6.11+ also has RWF_ATOMIC (untorn
/// O_DIRECT writes) and 6.14+ RWF_DONTCACHE (uncached buffered I/O): neither has a meaning for
/// the Sentry's files, and they are refused as unknown flags are (EOPNOTSUPP).
enum RWF {
    static let hipri: Int32 = 0x01, dsync: Int32 = 0x02, sync: Int32 = 0x04, nowait: Int32 = 0x08
    static let append: Int32 = 0x10, noappend: Int32 = 0x20
    static let supported = hipri | dsync | sync | nowait | append | noappend
}

/// What preadv2 and pwritev2 share: an offset of -1 is the file position (readv, writev), below
/// that EINVAL; a stream refuses any other offset (ESPIPE); a call that moves no byte returns 0
/// before its flags are looked at, as Linux's; then unknown flags are EOPNOTSUPP. The flags
/// apply to this call only: RWF_NOWAIT as O_NONBLOCK (a pipe or socket that would block says
/// EAGAIN), RWF_APPEND and RWF_NOAPPEND as O_APPEND set or cleared (NOAPPEND wins), RWF_DSYNC
/// and RWF_SYNC as an fsync of a volume file after the write (the Sentry's other files live in
/// memory), RWF_HIPRI as nothing (a polling hint).
private func vectorIOWithFlags(_ task: Task, _ a: SyscallArguments, write: Bool) -> SyscallReturn {
    let offset = a.long(3), flags = a.int(5)
    if offset < -1 { return .error(.invalidArgument) }
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    let stream = file is PipeFile || file is UnixSocketFile || file is InetSocketFile || file is PtySlaveFile
    if offset >= 0 && stream { return .error(.illegalSeek) }
    if !(write ? file.canWrite : file.canRead) { return .error(.badFileDescriptor) }
    let iovecs: [(UInt64, UInt64)]
    do { iovecs = try copyInIovecs(task, a[1], a.int(2)) } catch { return .error(error) }
    if iovecs.allSatisfy({ $0.1 == 0 }) { return .zero }
    if flags & ~RWF.supported != 0 { return .error(.notSupported) }
    let saved = file.statusFlags
    if flags & RWF.nowait != 0 { file.statusFlags |= O_NONBLOCK }
    if flags & RWF.append != 0 { file.statusFlags |= O_APPEND }
    if flags & RWF.noappend != 0 { file.statusFlags &= ~O_APPEND }
    let at = offset == -1 ? nil : Optional(offset)
    let result = write ? writeFrom(task, file, iovecs, offset: at) : readInto(task, file, iovecs, offset: at)
    file.statusFlags = saved
    if write, flags & (RWF.dsync | RWF.sync) != 0, case .value(let n) = result, n > 0, file is VolumeRegularFile {
        do { try file.sync() } catch { return .error(error) }
    }
    return result
}

/// preadv2(2).
func sysPreadv2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { vectorIOWithFlags(task, a, write: false) }

/// pwritev2(2).
func sysPwritev2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { vectorIOWithFlags(task, a, write: true) }

/// lseek(2).
func sysLseek(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        return .value(try file.seek(a.long(1), whence: a.int(2)))
    }
}
