// In-process benchmarks of the Sentry's hot paths: the pipe buffer copy, the path walk over an
// in-memory (tmpfs) tree, the Gofer protocol codec, and the syscall dispatch table lookup. Each fixture is built
// inside its benchmark closure before `startMeasurement()`, so only the loop is timed.

import Benchmark
import Glibc
import GoferProtocol
import LinuxABI
import Platform
import Sentry
import SystemPackage

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 100,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: .kilo(10)
    )

    // MARK: Pipe copy

    Benchmark("pipe: write 4 KiB then read 4 KiB") { benchmark in
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        let data = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        data.initializeMemory(as: UInt8.self, repeating: 0x5a)
        defer { out.deallocate(); data.deallocate() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try? w.pipe.write(UnsafeRawBufferPointer(data)))
            blackHole(try? r.pipe.read(into: out))
        }
    }

    Benchmark("pipe: 64 KiB through in 1 KiB writes and one read") { benchmark in
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        let data = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024, alignment: 16)
        data.initializeMemory(as: UInt8.self, repeating: 0x5a)
        defer { out.deallocate(); data.deallocate() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for _ in 0..<64 { blackHole(try? w.pipe.write(UnsafeRawBufferPointer(data))) }
            blackHole(try? r.pipe.read(into: out))
        }
    }

    // MARK: Path walk

    Benchmark("walk /usr/lib/x86_64-linux-gnu/libc.so.6 (cached)") { benchmark in
        let tree = WalkFixture()
        let path = Array("/usr/lib/x86_64-linux-gnu/libc.so.6".utf8)
        tree.check(path)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try? tree.vfs.lookup(tree.ctx, at: nil, path, followFinal: true, creds: tree.creds))
        }
    }

    Benchmark("walk /lib/x86_64-linux-gnu/libc.so.6 (through a symlink)") { benchmark in
        let tree = WalkFixture()
        let path = Array("/lib/x86_64-linux-gnu/libc.so.6".utf8)
        tree.check(path)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try? tree.vfs.lookup(tree.ctx, at: nil, path, followFinal: true, creds: tree.creds))
        }
    }

    Benchmark("walk /usr/lib/missing (ENOENT)") { benchmark in
        let tree = WalkFixture()
        let path = Array("/usr/lib/missing".utf8)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try? tree.vfs.lookup(tree.ctx, at: nil, path, followFinal: true, creds: tree.creds))
        }
    }

    // MARK: Gofer protocol codec

    let names: [[UInt8]] = ["usr", "lib", "x86_64-linux-gnu", "libc.so.6"].map { Array($0.utf8) }
    let walkRequest = GoferRequest.walk(dir: 1, names: names)
    let attr = GoferAttr(mode: 0o100644, nlink: 1, size: 1_922_136, blksize: 4096, blocks: 3760, ino: 42, dev: 8)
    let walkReply = GoferReply.walk((0..<4).map { GoferNode(handle: GoferHandle(10 + $0), attr: attr) })
    let dirents = (0..<100).map { GoferDirent(name: Array("entry-\($0)".utf8), ino: UInt64($0), type: 8) }
    let getdentsReply = GoferReply.getdents(dirents, last: true)

    Benchmark("codec encode walk request (4 names)") { benchmark in
        var w = WireWriter(reservingCapacity: 512)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            w.bytes.removeAll(keepingCapacity: true)
            walkRequest.encode(id: 7, into: &w)
            blackHole(w.bytes.count)
        }
    }

    Benchmark("codec decode walk request (4 names)") { benchmark in
        let bytes = walkRequest.encoded(id: 7)
        precondition((try? GoferRequest.decode(bytes))?.request == walkRequest)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            bytes.withUnsafeBytes { raw in blackHole(try? GoferRequest.decode(raw)) }
        }
    }

    Benchmark("codec encode walk reply (4 nodes)") { benchmark in
        var w = WireWriter(reservingCapacity: 1024)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            w.bytes.removeAll(keepingCapacity: true)
            walkReply.encode(id: 7, into: &w)
            blackHole(w.bytes.count)
        }
    }

    Benchmark("codec decode walk reply (4 nodes)") { benchmark in
        let bytes = walkReply.encoded(id: 7)
        precondition((try? GoferReply.decode(bytes))?.reply == walkReply)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            bytes.withUnsafeBytes { raw in blackHole(try? GoferReply.decode(raw)) }
        }
    }

    Benchmark("codec decode getdents reply (100 entries)") { benchmark in
        let bytes = getdentsReply.encoded(id: 7)
        precondition((try? GoferReply.decode(bytes))?.reply == getdentsReply)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            bytes.withUnsafeBytes { raw in blackHole(try? GoferReply.decode(raw)) }
        }
    }

    // MARK: Syscall dispatch

    Benchmark("dispatch table lookup (16 syscall numbers)") { benchmark in
        // The Sentry's own SyscallTable (built once, static), looked up as Kernel.serve does.
        let served: [Int] = [SyscallNumber.read, SyscallNumber.write, SyscallNumber.openat, SyscallNumber.close,
                             SyscallNumber.newfstatat, SyscallNumber.fstat, SyscallNumber.getuid, SyscallNumber.mmap,
                             SyscallNumber.ioctl, SyscallNumber.fcntl, SyscallNumber.getdents64, SyscallNumber.lseek,
                             SyscallNumber.rt_sigaction, SyscallNumber.uname]
        precondition(served.allSatisfy { SyscallTable.handler($0) != nil })
        // The mix a shell and a dynamic loader issue, plus two numbers nobody serves.
        let mix = served + [400, 511]
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var count = 0
            for nr in mix where SyscallTable.handler(nr) != nil { count &+= 1 }
            blackHole(count)
        }
    }
}

// MARK: - Fixtures

/// A VFS whose root is a tmpfs holding the shape of a merged-/usr root: /usr/lib/
/// x86_64-linux-gnu/libc.so.6, /lib -> usr/lib, and 50 siblings in each directory.
final class WalkFixture {
    let vfs: VFS
    let ctx: FSContext
    let creds = Credentials()

    init() {
        do {
            let root = TmpFS(mode: 0o755).root
            let creds = Credentials()
            func dir(_ parent: TmpDirectory, _ name: String) throws(Errno) -> TmpDirectory {
                for i in 0..<50 { _ = try parent.mkdir(Array("\(name)-sibling-\(i)".utf8), mode: 0o755, creds: creds) }
                return try parent.mkdir(Array(name.utf8), mode: 0o755, creds: creds) as! TmpDirectory
            }
            let lib = try dir(try dir(root, "usr"), "lib")
            let arch = try dir(lib, "x86_64-linux-gnu")
            _ = try arch.create(Array("libc.so.6".utf8), mode: 0o644, creds: creds)
            _ = try root.symlink(Array("lib".utf8), target: Array("usr/lib".utf8), creds: creds)
            vfs = try VFS(rootInode: root)
        } catch {
            fatalError("walk fixture: \(error)")
        }
        ctx = FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022)
    }

    /// The walk must succeed before it is measured.
    func check(_ path: [UInt8]) {
        do { _ = try vfs.lookup(ctx, at: nil, path, followFinal: true, creds: creds) } catch {
            fatalError("walk \(String(decoding: path, as: UTF8.self)): \(error)")
        }
    }
}
