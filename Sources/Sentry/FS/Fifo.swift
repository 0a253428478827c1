import Glibc
import LinuxABI
import SystemPackage

// FIFOs (mkfifo/mknod S_IFIFO): every open of one node shares one Pipe while any is open.
// Opening follows fifo_open: O_RDONLY waits for a writer unless O_NONBLOCK; O_WRONLY waits for
// a reader, or fails with ENXIO under O_NONBLOCK; O_RDWR never waits. A waiting opener already
// counts as a reader/writer (so its partner does not wait too) and wakes when the partner's
// open counter moves, even if that partner closed again.

/// A FIFO open parked for its partner, the call's in-flight state across retries. Its
/// description already counts as a reader/writer; a signal that ends the open drops this state
/// and with it the description's last reference, which lets go of that half (PipeFile.deinit),
/// so `abandon` has nothing more to do.
final class FifoOpenWait: BlockedCall {
    let pipe: Pipe
    let file: PipeFile
    /// The partner's open counter when the wait began.
    let partnerOpens: UInt64
    let reading: Bool
    init(pipe: Pipe, file: PipeFile, partnerOpens: UInt64, reading: Bool) {
        self.pipe = pipe; self.file = file; self.partnerOpens = partnerOpens; self.reading = reading
    }
    var partnerArrived: Bool {
        reading ? pipe.writerOpens != partnerOpens : pipe.readerOpens != partnerOpens
    }
}

public enum Fifo {
    /// Thrown by `open` when the task must park: doOpen turns it into `.block` on the pipe's queue.
    static let mustWait = Errno(rawValue: 512)  // ERESTARTSYS, never seen by the task

    /// The parked open of `task`, if the last open attempt parked.
    static func pendingWait(_ task: Task) -> FifoOpenWait? { task.blockedCall(FifoOpenWait.self) }

    public static func open(_ inode: Inode, _ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        guard let node = inode as? TmpSpecial else { throw .noSuchAddressOrDevice }
        let task = request.task
        // A retry of a parked open: done once the partner came.
        if let task, let w = pendingWait(task) {
            task.endBlockedCall()
            if w.pipe === node.fifoPipe {
                if w.partnerArrived { return w.file }
                task.beginBlockedCall(w)
                throw mustWait
            }
        }
        let pipe: Pipe
        if let p = node.fifoPipe { pipe = p } else {
            // fifo_open: ENOMEM when alloc_pipe_info fails (limits, memory account).
            if let task {
                guard let p = Pipe.allocate(creds: task.creds, limits: task.kernel.pipeLimits, memory: task.kernel.memory) else { throw .noMemory }
                pipe = p
            } else { pipe = Pipe() }
            node.fifoPipe = pipe
        }
        let nonBlocking = request.flags & O_NONBLOCK != 0
        // open(2) on 64-bit adds O_LARGEFILE, which F_GETFL shows (pipe(2) ends lack it).
        let status = request.flags & (O_NONBLOCK | O_DIRECT_ | O_APPEND) | O_LARGEFILE_
        let acc = request.flags & O_ACCMODE
        switch acc {
        case O_RDONLY:
            let f = PipeFile(pipe: pipe, accessMode: O_RDONLY, statusFlags: status)
            f.fifo = dentry
            if pipe.writers > 0 || nonBlocking || task == nil { return f }
            task!.beginBlockedCall(FifoOpenWait(pipe: pipe, file: f, partnerOpens: pipe.writerOpens, reading: true))
            throw mustWait
        case O_WRONLY:
            if pipe.readers == 0 && nonBlocking { throw .noSuchAddressOrDevice }
            let f = PipeFile(pipe: pipe, accessMode: O_WRONLY, statusFlags: status)
            f.fifo = dentry
            if pipe.readers > 0 || task == nil { return f }
            task!.beginBlockedCall(FifoOpenWait(pipe: pipe, file: f, partnerOpens: pipe.readerOpens, reading: false))
            throw mustWait
        case O_RDWR:
            let f = PipeFile(pipe: pipe, accessMode: O_RDWR, statusFlags: status)
            f.fifo = dentry
            return f
        default:
            throw .invalidArgument
        }
    }
}
