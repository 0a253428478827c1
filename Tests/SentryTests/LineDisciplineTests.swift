import LinuxABI
import Testing
@testable import Sentry

/// The line discipline on its own (TTY/LineDiscipline.swift): n_tty's behaviour for input
/// editing, echo, signals and output processing.
@Suite struct LineDisciplineTests {
    func output(_ l: LineDiscipline) -> String { String(decoding: l.takeOutput(max: 1 << 20), as: UTF8.self) }

    @Test func canonicalEditingAndEcho() {
        let l = LineDiscipline()
        #expect(l.receive(Array("ab\u{7f}c\r".utf8)).isEmpty)
        #expect(l.readLine(max: 100) == Array("ac\n".utf8))
        #expect(output(l) == "ab\u{8} \u{8}c\r\n")
        _ = l.receive(Array("one two\u{17}x\n".utf8))   // ^W erases "two"
        #expect(l.readLine(max: 100) == Array("one x\n".utf8))
        _ = l.receive(Array("abc\u{4}".utf8))
        #expect(l.readLine(max: 2) == Array("ab".utf8))
        #expect(l.readLine(max: 100) == Array("c".utf8))
        _ = l.receive([4])
        #expect(l.readLine(max: 100) == [])   // end of file
        #expect(l.readLine(max: 100) == nil)
    }

    @Test func signalsFlushAndEchoControlCharacters() {
        let l = LineDiscipline()
        _ = l.receive(Array("half".utf8))
        _ = output(l)
        #expect(l.receive([3]) == [.signal(Signal.SIGINT)])
        #expect(output(l) == "^C")
        #expect(l.receive([0x1c]) == [.signal(Signal.SIGQUIT)])
        #expect(l.receive([0x1a]) == [.signal(Signal.SIGTSTP)])
        #expect(output(l) == "^Z")   // each signal character flushes the output first (no NOFLSH)
        _ = l.receive([0x0a])
        #expect(l.readLine(max: 10) == [0x0a])   // "half" was flushed by ^C
    }

    @Test func rawModeAndOutputProcessing() {
        let l = LineDiscipline()
        var t = KernelTermios.standard
        t.lflag &= ~(KernelTermios.ICANON | KernelTermios.ECHO | KernelTermios.ISIG)
        l.setTermios(t)
        _ = l.receive([3, 0x0d, 0x41])
        #expect(l.readRaw(max: 10) == [3, 0x0a, 0x41])
        #expect(output(l) == "")
        _ = Array("a\tb\n".utf8).withUnsafeBytes { l.write($0) }
        #expect(output(l) == "a\tb\r\n")
        t.oflag |= KernelTermios.XTABS
        l.setTermios(t)
        _ = Array("a\tb".utf8).withUnsafeBytes { l.write($0) }
        #expect(output(l) == "a       b")
    }

    @Test func flowControlStopsOutput() {
        let l = LineDiscipline()
        _ = l.receive([0x13])   // ^S
        #expect(!l.writable)
        #expect(Array("x".utf8).withUnsafeBytes { l.write($0) } == 0)
        _ = l.receive([0x11])   // ^Q
        #expect(l.writable)
    }

    @Test func termiosBytesRoundTrip() {
        let t = KernelTermios.standard
        #expect(t.bytes.count == 36)
        #expect(KernelTermios(bytes: t.bytes) == t)
    }
}
