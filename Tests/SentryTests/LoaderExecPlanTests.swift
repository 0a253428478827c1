import Glibc
import Testing
@testable import Sentry
import SystemPackage

@Suite struct LoaderExecPlanTests {
    @Test func dynamicProgramOpensItsInterpreter() throws {
        var opened: [[UInt8]] = []
        let plan = try ExecPlan.prepare(path: bytes("/bin/true"), argv: [bytes("true"), bytes("x")], envp: [bytes("A=1")]) { (p: [UInt8]) throws(Errno) -> FileDescription in
            opened.append(p)
            return try hostOpen(p)
        }
        #expect(opened == [bytes("/bin/true"), bytes("/lib64/ld-linux-x86-64.so.2")])
        #expect(plan.argv == [bytes("true"), bytes("x")])
        #expect(plan.envp == [bytes("A=1")])
        #expect(plan.filename == bytes("/bin/true"))
        #expect(plan.executablePath == bytes("/bin/true"))
        #expect(plan.comm == bytes("true"))
        #expect(plan.executable.elf.isDynamic)
        #expect(plan.interpreter?.elf.interpreterPath == nil)
        #expect(plan.interpreter?.hostFD == (plan.interpreter?.file as? HostFileDescription)?.fd)
        #expect(plan.scriptDepth == 0)
    }

    @Test func staticProgramHasNoInterpreter() throws {
        let plan = try ExecPlan.prepare(path: bytes("/bin/busybox"), argv: [], envp: [], open: hostOpen)
        #expect(plan.interpreter == nil)
        #expect(plan.argv == [[]], "an empty argv becomes [\"\"] (Linux 5.18+)")
    }

    @Test func scriptChainRewritesArgv() throws {
        let d = TempDir()
        let inner = d.write("inner", bytes("#!/bin/busybox sh -e\n"))
        let outer = d.write("outer.sh", bytes("#! \(inner)  --flag  \n"))
        let plan = try ExecPlan.prepare(path: bytes(outer), argv: [bytes("outer"), bytes("a"), bytes("b")], envp: [], open: hostOpen)
        #expect(plan.argv == [bytes("/bin/busybox"), bytes("sh -e"), bytes(inner), bytes("--flag"), bytes(outer), bytes("a"), bytes("b")])
        #expect(plan.scriptDepth == 2)
        #expect(plan.filename == bytes(outer))
        #expect(plan.executablePath == bytes("/bin/busybox"))
        #expect(plan.comm == bytes("outer.sh"))
        #expect(plan.interpreter == nil)
    }

    @Test func fiveScriptsChainButSixAreELOOP() throws {
        let d = TempDir()
        var previous = "/bin/busybox"
        var paths: [String] = []
        for i in 0..<6 {
            previous = d.write("s\(i)", bytes("#!\(previous)\n"))
            paths.append(previous)
        }
        let five = try ExecPlan.prepare(path: bytes(paths[4]), argv: [bytes("s4")], envp: [], open: hostOpen)
        #expect(five.scriptDepth == 5)
        #expect(five.argv == [bytes("/bin/busybox")] + paths[0...4].map(bytes))
        #expect(throws: Errno.tooManySymbolicLinkLevels) {
            try ExecPlan.prepare(path: bytes(paths[5]), argv: [bytes("s5")], envp: [], open: hostOpen)
        }
    }

    @Test func errors() throws {
        let d = TempDir()
        let text = d.write("text", bytes("hello world\n"))
        let empty = d.write("empty", [])
        let missing = d.write("missing-interp", bytes("#!/nonexistent/sh\n"))
        let blank = d.write("blank", bytes("#!\n"))
        let bare = d.write("bare", bytes("#!"))
        #expect(throws: Errno.execFormatError) { try ExecPlan.prepare(path: bytes(text), argv: [], envp: [], open: hostOpen) }
        #expect(throws: Errno.execFormatError) { try ExecPlan.prepare(path: bytes(empty), argv: [], envp: [], open: hostOpen) }
        #expect(throws: Errno.execFormatError) { try ExecPlan.prepare(path: bytes(blank), argv: [], envp: [], open: hostOpen) }
        #expect(throws: Errno.permissionDenied) { try ExecPlan.prepare(path: bytes(bare), argv: [], envp: [], open: hostOpen) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try ExecPlan.prepare(path: bytes(missing), argv: [], envp: [], open: hostOpen) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try ExecPlan.prepare(path: bytes("/nonexistent"), argv: [], envp: [], open: hostOpen) }
        // The open closure's own errors (permission checks) pass through.
        #expect(throws: Errno.permissionDenied) {
            try ExecPlan.prepare(path: bytes("/bin/true"), argv: [], envp: []) { (_: [UInt8]) throws(Errno) -> FileDescription in throw .permissionDenied }
        }
        // No host fd: nothing to map.
        #expect(throws: Errno.execFormatError) {
            try ExecPlan.prepare(path: bytes("/x"), argv: [], envp: []) { (_: [UInt8]) throws(Errno) -> FileDescription in NoHostFileDescription() }
        }
    }

    @Test func badInterpreterIsELIBBAD() throws {
        let d = TempDir()
        // /bin/true with its PT_INTERP pointing at a text file of the same path length.
        var image = readHostFile("/bin/true")
        let elf = try ELFFile.parse(image)
        let interp = elf.programHeaders.first { $0.type == ELF.PT_INTERP }!
        let fake = d.path + "/" + String(repeating: "i", count: Int(interp.filesz) - 2 - d.path.count)
        d.write(String(fake.split(separator: "/").last!), bytes("#!/bin/sh\n"))
        image.replaceSubrange(Int(interp.offset)..<Int(interp.offset + interp.filesz - 1), with: bytes(fake))
        let prog = d.write("prog", image)
        #expect(throws: Errno(rawValue: 80)) { try ExecPlan.prepare(path: bytes(prog), argv: [], envp: [], open: hostOpen) }
    }
}
