import Testing
@testable import Sentry
import SystemPackage

@Suite struct LoaderShebangTests {
    func parse(_ s: String) -> Shebang? { Shebang.parse(Array(s.utf8)) }

    @Test func plainInterpreter() {
        #expect(parse("#!/bin/sh\necho hi\n") == Shebang(interpreter: bytes("/bin/sh"), argument: nil))
    }

    @Test func spacesAndTabsAroundInterpreterAndArgument() {
        #expect(parse("#! /bin/echo   -a -b\t \n") == Shebang(interpreter: bytes("/bin/echo"), argument: bytes("-a -b")))
        #expect(parse("#!\t/bin/echo\t\tx y\n") == Shebang(interpreter: bytes("/bin/echo"), argument: bytes("x y")))
        #expect(parse("#!/bin/sh \n") == Shebang(interpreter: bytes("/bin/sh"), argument: nil))
    }

    @Test func argumentKeepsInnerSpaces() {
        #expect(parse("#!/usr/bin/env python3 -u -X dev\n") == Shebang(interpreter: bytes("/usr/bin/env"), argument: bytes("python3 -u -X dev")))
    }

    @Test func noNewlineAtEndOfShortFile() {
        #expect(parse("#!/bin/echo") == Shebang(interpreter: bytes("/bin/echo"), argument: nil))
    }

    @Test func nulEndsInterpreterAndDropsArgument() {
        #expect(parse("#!/bin/echo\u{0}arg\n") == Shebang(interpreter: bytes("/bin/echo"), argument: nil))
        #expect(parse("#!/bin/echo a\u{0}b\n") == Shebang(interpreter: bytes("/bin/echo"), argument: bytes("a")))
    }

    @Test func noInterpreterIsENOEXEC() {
        #expect(parse("#!\n") == nil)
        #expect(parse("#!   \t\n") == nil)
        #expect(parse("#!" + String(repeating: " ", count: 300)) == nil)
        // "#!" then NULs: an empty interpreter that the open then refuses (EACCES on 6.18).
        #expect(parse("#!") == Shebang(interpreter: [], argument: nil))
    }

    @Test func notAScript() {
        #expect(parse("") == nil)
        #expect(parse("#") == nil)
        #expect(parse("! /bin/sh\n") == nil)
        #expect(parse("\u{7f}ELF") == nil)
    }

    @Test func longLines() {
        // The interpreter path must end inside the 256-byte buffer…
        #expect(parse("#!/bin/" + String(repeating: "x", count: 300)) == nil)
        #expect(parse("#!/bin/" + String(repeating: "x", count: 300) + "\n") == nil)
        // …but the argument may be cut: it keeps bytes 2…254 of the line (byte 255 is the NUL).
        let s = Shebang.parse(Array(("#!/bin/echo " + String(repeating: "x", count: 300)).utf8))
        #expect(s?.interpreter == bytes("/bin/echo"))
        #expect(s?.argument == [UInt8](repeating: UInt8(ascii: "x"), count: 255 - 12))
        // A newline past byte 256 is not seen.
        let t = Shebang.parse(Array(("#!/bin/echo " + String(repeating: "y", count: 250) + "\nzz").utf8))
        #expect(t?.argument?.count == 255 - 12)
    }

    @Test func argvRewrite() {
        let s = Shebang(interpreter: bytes("/bin/sh"), argument: bytes("-e -x"))
        #expect(s.rewrite(argv: [bytes("run"), bytes("a"), bytes("b")], scriptPath: bytes("./run.sh"))
                == [bytes("/bin/sh"), bytes("-e -x"), bytes("./run.sh"), bytes("a"), bytes("b")])
        let t = Shebang(interpreter: bytes("/bin/sh"), argument: nil)
        #expect(t.rewrite(argv: [bytes("")], scriptPath: bytes("/x")) == [bytes("/bin/sh"), bytes("/x")])
    }
}
