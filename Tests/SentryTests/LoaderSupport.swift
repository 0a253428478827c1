// Test helpers for the Loader: a FileDescription over a host file, an address space that is
// the test process itself, a recording fake, and a deterministic random generator.

import Glibc
import LinuxABI
import Platform
@testable import Sentry
import SystemPackage

/// A read-only FileDescription over a host file (what a Gofer-donated fd looks like).
final class HostFileDescription: FileDescription {
    let fd: Int32
    let hostPath: [UInt8]

    init(path: String) throws(Errno) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw Errno(rawValue: errno) }
        self.fd = fd
        self.hostPath = Array(path.utf8)
        super.init(accessMode: O_RDONLY, statusFlags: 0)
    }
    deinit { Glibc.close(fd) }

    override var hostFD: Int32? { fd }
    override var path: [UInt8]? { hostPath }
    override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        let n = Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
        if n < 0 { throw Errno(rawValue: errno) }
        return n
    }
}

/// A FileDescription without a host fd (like a procfs file).
final class NoHostFileDescription: FileDescription {
    init() { super.init(accessMode: O_RDONLY, statusFlags: 0) }
}

/// The `open` closure of ExecPlan.prepare over host paths.
func hostOpen(_ p: [UInt8]) throws(Errno) -> FileDescription {
    try HostFileDescription(path: String(decoding: p, as: UTF8.self))
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

func readHostFile(_ path: String) -> [UInt8] {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return [] }
    defer { Glibc.close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

/// A scratch directory for fixture files written by a test.
final class TempDir {
    let path: String
    init() {
        var template = Array("/tmp/husk-loader-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    deinit {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(d)
        }
        rmdir(path)
    }
    @discardableResult
    func write(_ name: String, _ content: [UInt8], mode: mode_t = 0o755) -> String {
        let p = path + "/" + name
        let fd = Glibc.open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        precondition(fd >= 0)
        _ = content.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        Glibc.close(fd)
        return p
    }
}

/// SplitMix64: reproducible randomness for fuzzing and placement.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The test process itself as the Loader's address space: real mmaps, so the mapped image
/// can be read back and compared with the file.
final class LocalAddressSpace: LoaderAddressSpace {
    /// Stack mappings the Loader made (MAP_GROWSDOWN), for the test to unmap.
    var stacks: [(UInt64, UInt64)] = []

    func mapFile(_ hostFD: Int32, address: UInt64, length: UInt64, prot: Int32, flags: Int32, offset: Int64) throws(Errno) -> UInt64 {
        let r = mmap(UnsafeMutableRawPointer(bitPattern: UInt(address)), Int(length), prot, flags, hostFD, off_t(offset))
        if r == MAP_FAILED { throw Errno(rawValue: errno) }
        return UInt64(UInt(bitPattern: r))
    }
    func mapAnonymous(address: UInt64, length: UInt64, prot: Int32, flags: Int32) throws(Errno) -> UInt64 {
        let r = mmap(UnsafeMutableRawPointer(bitPattern: UInt(address)), Int(length), prot, flags, -1, 0)
        if r == MAP_FAILED { throw Errno(rawValue: errno) }
        let a = UInt64(UInt(bitPattern: r))
        if flags & 0x0100 != 0 { stacks.append((a, length)) }
        return a
    }
    func unmap(_ address: UInt64, length: UInt64) throws(Errno) {
        if munmap(UnsafeMutableRawPointer(bitPattern: UInt(address)), Int(length)) != 0 { throw Errno(rawValue: errno) }
    }
    func protect(_ address: UInt64, length: UInt64, prot: Int32) throws(Errno) {
        if mprotect(UnsafeMutableRawPointer(bitPattern: UInt(address)), Int(length), prot) != 0 { throw Errno(rawValue: errno) }
    }
    func write(_ address: UInt64, _ bytes: [UInt8]) throws(Errno) {
        bytes.withUnsafeBytes { UnsafeMutableRawPointer(bitPattern: UInt(address))!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    func read(_ address: UInt64, _ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(address)), count: count))
    }
    func word(_ address: UInt64) -> UInt64 {
        UnsafeRawPointer(bitPattern: UInt(address))!.loadUnaligned(as: UInt64.self)
    }
    func cString(_ address: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        var p = UnsafePointer<UInt8>(bitPattern: UInt(address))!
        while p.pointee != 0 { out.append(p.pointee); p += 1 }
        return out
    }
}

/// Records what the Loader asks for; mmap(NULL) gets addresses from a bump allocator.
final class RecordingAddressSpace: LoaderAddressSpace {
    enum Op: Equatable {
        case file(fd: Int32, address: UInt64, length: UInt64, prot: Int32, flags: Int32, offset: Int64)
        case anon(address: UInt64, length: UInt64, prot: Int32, flags: Int32)
        case unmap(UInt64, UInt64)
        case protect(UInt64, UInt64, Int32)
        case write(UInt64, Int)
    }
    var ops: [Op] = []
    var next: UInt64 = 0x7f00_0000_0000
    /// Addresses for which MAP_FIXED_NOREPLACE answers EEXIST.
    var taken: [Range<UInt64>] = []

    func mapFile(_ hostFD: Int32, address: UInt64, length: UInt64, prot: Int32, flags: Int32, offset: Int64) throws(Errno) -> UInt64 {
        ops.append(.file(fd: hostFD, address: address, length: length, prot: prot, flags: flags, offset: offset))
        return address
    }
    func mapAnonymous(address: UInt64, length: UInt64, prot: Int32, flags: Int32) throws(Errno) -> UInt64 {
        ops.append(.anon(address: address, length: length, prot: prot, flags: flags))
        if flags & Mmap.MAP_FIXED_NOREPLACE != 0, taken.contains(where: { $0.overlaps(address..<(address + length)) }) {
            throw .fileExists
        }
        if address == 0 {
            let a = next
            next += (length + 0xfff) & ~0xfff
            return a
        }
        return address
    }
    func unmap(_ address: UInt64, length: UInt64) throws(Errno) { ops.append(.unmap(address, length)) }
    func protect(_ address: UInt64, length: UInt64, prot: Int32) throws(Errno) { ops.append(.protect(address, length, prot)) }
    func write(_ address: UInt64, _ bytes: [UInt8]) throws(Errno) { ops.append(.write(address, bytes.count)) }
}
