// /proc/PID/mem (fs/proc/base.c mem_open, mem_rw, mem_lseek): another process's memory, under
// ptrace's access rule at open, read and written as access_remote_vm(FOLL_FORCE) does.

import Glibc
import LinuxABI
import Platform
import SystemPackage

/// A process's memory as FOLL_FORCE reaches it: what the host's process_vm_readv/writev
/// cannot reach (a read-only page for a write, a PROT_NONE page) goes through the host's
/// PTRACE_PEEKDATA/POKEDATA on a thread of the process the Sentry holds stopped (the caller
/// itself for /proc/self/mem, a tracee stopped for its tracer, a thread parked in a served
/// call). The stub's pages [StubELF.guardStart, guardEnd) are never written: a write stops
/// where they begin, as at an unmapped page.
enum ForcedMemory {
    static let page: UInt64 = 4096
    /// Pages one transfer may move word by word.
    static let maxForcedPages = 4

    /// Copies from `group`'s memory at `address` into `buffer`; the count before the first
    /// byte it cannot reach.
    static func read(_ group: ThreadGroup, at address: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        transfer(group, at: address, count: buffer.count) { (k, tid, a, range) throws(Errno) in
            try k.platform.readMemory(tid, at: a, into: UnsafeMutableRawBufferPointer(rebasing: buffer[range]))
        } merge: { word, lo, at, n in
            withUnsafeBytes(of: word.littleEndian) { w in
                for i in 0..<n { buffer[at + i] = w[lo + i] }
            }
            return nil
        }
    }

    /// Copies `buffer` into `group`'s memory at `address`; the count before the first byte it
    /// cannot reach.
    static func write(_ group: ThreadGroup, at address: UInt64, from buffer: UnsafeRawBufferPointer) -> Int {
        var count = buffer.count
        // The stub is the Sentry's: its code page (the injection gadget) and scratch stay out.
        if ApplicationFilter.touchesStub(address, UInt64(count)) {
            count = address < StubELF.guardStart ? Int(StubELF.guardStart - address) : 0
        }
        return transfer(group, at: address, count: count) { (k, tid, a, range) throws(Errno) in
            try k.platform.writeMemory(tid, at: a, from: UnsafeRawBufferPointer(rebasing: buffer[range]))
        } merge: { word, lo, at, n in
            var w = word.littleEndian
            withUnsafeMutableBytes(of: &w) { w in
                for i in 0..<n { w[lo + i] = buffer[at + i] }
            }
            return UInt64(littleEndian: w)
        }
    }

    /// Page by page (a page is reached whole or not at all): the host's copy first, else the
    /// words of the page through PEEKDATA (and POKEDATA when `merge` returns the word to store)
    /// on a stopped thread. `merge(word, first byte in the word, offset in the buffer, bytes)`.
    private static func transfer(_ group: ThreadGroup, at address: UInt64, count: Int,
                                 copy: (Kernel, HostTID, UInt64, Range<Int>) throws(Errno) -> Void,
                                 merge: (UInt64, Int, Int, Int) -> UInt64?) -> Int {
        guard let first = group.threads.first else { return 0 }
        let k = first.kernel
        var done = 0, forcedPages = 0
        while done < count {
            let a = address &+ UInt64(done)
            if a < address { break }      // past the top of the address space
            let n = min(count - done, Int(page - (a & (page - 1))))
            if (try? copy(k, first.hostTID, a, done..<(done + n))) != nil { done += n; continue }
            // 512 host requests a page: a call forces a few pages, then returns what it moved
            // (a short count), so that a program cannot hold the Sentry's loop for long.
            if forcedPages == maxForcedPages { break }
            forcedPages += 1
            var moved = 0
            for thread in group.threads where moved == 0 {
                moved = forcedWords(k, thread.hostTID, at: a, offset: done, count: n, merge: merge)
            }
            done += moved
            if moved < n { break }
        }
        return done
    }

    /// The words covering `count` bytes at `address`, one PEEKDATA (and POKEDATA) each; the
    /// bytes done before the first that fails.
    private static func forcedWords(_ k: Kernel, _ tid: HostTID, at address: UInt64, offset: Int, count: Int,
                                    merge: (UInt64, Int, Int, Int) -> UInt64?) -> Int {
        var at = 0
        while at < count {
            let a = address &+ UInt64(at)
            let aligned = a & ~7, lo = Int(a - aligned), n = min(8 - lo, count - at)
            var word: UInt64 = 0
            do {
                try k.platform.traceeRequest(tid, .peekData, addr: aligned, data: &word)
                if var store = merge(word, lo, offset + at, n) {
                    try k.platform.traceeRequest(tid, .pokeData, addr: aligned, data: &store)
                }
            } catch { return at }
            at += n
        }
        return at
    }
}

/// The /proc/PID/mem node: mode 0600, its owner the /proc owner of the process.
final class ProcMemInode: ProcProcessFile {
    init(_ group: ThreadGroup, device: SyntheticDevice) {
        super.init(group, mode: 0o600, device: device)
    }
    /// proc_mem_open: mm_access(PTRACE_MODE_ATTACH_FSCREDS), EACCES; an exited process opens
    /// and reads nothing.
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        guard let group else { throw .noSuchProcess }
        if let reader = request.task, let target = group.threads.first,
           !reader.kernel.ptraceMayAccess(reader, target, .filesystem) { throw .permissionDenied }
        return ProcMemFile(dentry, flags: request.flags, group: group)
    }
}

/// An open /proc/PID/mem: the file position is an address (unsigned, FMODE_UNSIGNED_OFFSET);
/// the address space is the one it was opened on, so after the process's exec or exit it
/// reads and writes nothing.
final class ProcMemFile: VFSFile {
    weak var group: ThreadGroup?
    let generation: Int
    init(_ dentry: Dentry, flags: Int32, group: ThreadGroup) {
        self.group = group
        generation = group.execGeneration
        super.init(dentry, flags: flags)
    }

    /// A forced access (FOLL_FORCE) pokes through a host-stopped thread of the target: on
    /// unotify a /proc/self/mem call comes back through ptrace so that the caller is one.
    override var needsStoppedTask: Bool { true }

    private var liveGroup: ThreadGroup? {
        guard let g = group, g.execGeneration == generation, !g.threads.isEmpty else { return nil }
        return g
    }

    /// mem_rw: the bytes moved, EIO when the first one cannot be reached.
    private func move(_ permitted: Bool, _ count: Int, _ op: (ThreadGroup) -> Int) throws(Errno) -> Int {
        if !permitted { throw .badFileDescriptor }
        guard let g = liveGroup, count > 0 else { return 0 }
        let n = op(g)
        if n == 0 { throw .ioError }
        return n
    }

    override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try move(canRead, buffer.count) { ForcedMemory.read($0, at: UInt64(bitPattern: offset), into: buffer) }
    }

    override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try move(canWrite, buffer.count) { ForcedMemory.write($0, at: UInt64(bitPattern: offset), from: buffer) }
    }

    override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let n = try pread(task, buffer, at: offset)
        offset = offset &+ Int64(n)
        return n
    }

    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        let n = try pwrite(task, buffer, at: offset)
        offset = offset &+ Int64(n)
        return n
    }

    /// mem_lseek: SEEK_SET and SEEK_CUR only, any 64-bit position.
    override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 {
        switch whence {
        case SEEK_SET: self.offset = offset
        case SEEK_CUR: self.offset = self.offset &+ offset
        default: throw .invalidArgument
        }
        return self.offset
    }

    override func stat() throws(Errno) -> FileStat {
        var s = try inode.stat()
        s.size = 0
        return s
    }
}
