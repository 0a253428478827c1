import Platform
import SystemPackage

/// The arguments of a served syscall, as the task passed them.
public struct SyscallArguments {
    public let regs: SyscallRegisters
    public init(_ regs: SyscallRegisters) { self.regs = regs }
    public var number: Int { regs.nr }
    @inline(__always) public subscript(_ i: Int) -> UInt64 { regs.arg(i) }
    /// Argument i as a C int (the low 32 bits, sign-extended), as the kernel reads `int` parameters.
    @inline(__always) public func int(_ i: Int) -> Int32 { Int32(truncatingIfNeeded: regs.arg(i)) }
    @inline(__always) public func uint(_ i: Int) -> UInt32 { UInt32(truncatingIfNeeded: regs.arg(i)) }
    @inline(__always) public func long(_ i: Int) -> Int64 { Int64(bitPattern: regs.arg(i)) }
    @inline(__always) public func size(_ i: Int) -> Int { Int(truncatingIfNeeded: regs.arg(i)) }
}

/// What a handler decided.
public enum SyscallReturn {
    /// The call completed with this (non-negative) value.
    case value(Int64)
    /// The call failed with this errno.
    case error(Errno)
    /// Park the task until `queue` signals one of `events`, then run the handler again with the
    /// same arguments (handlers are written non-blocking and idempotent until they succeed).
    case block(WaitQueue, EventMask)
    /// Let the host run the call as it is (clone after its flags were checked…).
    case native
    /// Let the host run the call with these six arguments instead.
    case nativeWith([UInt64])
    /// The handler already resumed or replaced the task (execve, exit): do nothing more.
    case handled

    public static func ok(_ v: Int) -> SyscallReturn { .value(Int64(v)) }
    public static var zero: SyscallReturn { .value(0) }
}

public typealias SyscallHandler = (Task, SyscallArguments) -> SyscallReturn

extension Errno {
    /// The value a failed syscall returns in rax.
    @inline(__always) public var syscallResult: Int64 { -Int64(rawValue) }
}
