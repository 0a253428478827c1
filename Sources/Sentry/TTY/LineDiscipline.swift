import LinuxABI
import Platform
import SystemPackage

// The line discipline (Linux's n_tty, drivers/tty/n_tty.c) shared by every terminal of the
// Sentry: the devpts ptys and the console (husk run -t), which is pty 0.
//
// Input is what a keyboard types (a pty master's writes, husk run's stdin): it is
// preprocessed (ISTRIP, IGNCR/ICRNL/INLCR), turned into signals (ISIG), flow control
// (IXON), line editing (ICANON: VERASE, VWERASE, VKILL, VLNEXT, VREPRINT, VEOF, VEOL/VEOL2)
// and echoed (ECHO, ECHOE, ECHOK, ECHOKE, ECHOCTL, ECHONL) before the slave's readers see it.
// Output is what the slave's writers write: post-processed (OPOST: ONLCR, OCRNL, ONOCR,
// ONLRET, XTABS, OLCUC) into the queue the master reads. The type is pure: it never blocks and
// knows no task; the terminal (Terminal.swift) sends the signals it returns and wakes readers.

public final class LineDiscipline {
    public private(set) var termios = KernelTermios.standard
    /// Completed lines (canonical mode), each with its terminator unless VEOF ended it.
    private var lines: [[UInt8]] = []
    /// The line being edited (canonical mode).
    private var edit: [UInt8] = []
    /// Bytes for the reader (non-canonical mode).
    private var raw: [UInt8] = []
    /// Processed output (and echoes) waiting for the master's reader.
    public private(set) var output: [UInt8] = []
    /// The output column (for tab expansion and erasing tabs); where the edited line started.
    private var column = 0
    private var editColumn = 0
    /// The next input byte is taken literally (VLNEXT).
    private var literalNext = false
    /// Output stopped by VSTOP or TCOOFF (IXON): the slave's writers wait.
    public private(set) var outputStopped = false

    /// Linux's N_TTY_BUF_SIZE: a canonical line holds at most 4095 bytes and its newline.
    public static let lineLimit = 4095
    /// Input or output bytes buffered before writers wait.
    public static let bufferLimit = 65536

    public init() {}

    // MARK: Settings

    /// TCSETS*: switching canonical mode moves what is buffered to the other side, as n_tty does.
    public func setTermios(_ t: KernelTermios) {
        let wasCanonical = termios.has(l: KernelTermios.ICANON)
        termios = t
        let canonical = t.has(l: KernelTermios.ICANON)
        if wasCanonical && !canonical {
            for l in lines { raw.append(contentsOf: l) }
            raw.append(contentsOf: edit)
            lines.removeAll(); edit.removeAll()
        } else if !wasCanonical && canonical {
            edit.append(contentsOf: raw)
            raw.removeAll()
            if edit.count > Self.lineLimit { edit.removeLast(edit.count - Self.lineLimit) }
        }
        if !t.has(i: KernelTermios.IXON) { outputStopped = false }
        literalNext = false
    }

    var canonical: Bool { termios.has(l: KernelTermios.ICANON) }

    // MARK: The reader's side (the slave)

    /// Whether a read would return data now (poll's POLLIN): a line, or any byte.
    public var readable: Bool { canonical ? !lines.isEmpty : !raw.isEmpty }

    /// The bytes FIONREAD reports: completed lines, or the non-canonical buffer.
    public var inputCount: Int { canonical ? lines.reduce(0) { $0 + $1.count } : raw.count }

    /// Bytes buffered for the reader in non-canonical mode.
    public var rawCount: Int { raw.count }

    /// A canonical read: at most one line, at most `max` bytes of it (the rest stays). nil when
    /// no line is complete; an empty array is end of file (a VEOF at the start of a line).
    public func readLine(max: Int) -> [UInt8]? {
        guard !lines.isEmpty else { return nil }
        let line = lines[0]
        if line.count <= max { lines.removeFirst(); return line }
        lines[0] = Array(line[max...])
        return Array(line[..<max])
    }

    /// A non-canonical read of up to `max` bytes.
    public func readRaw(max: Int) -> [UInt8] {
        let n = min(max, raw.count)
        let out = Array(raw[..<n])
        raw.removeFirst(n)
        return out
    }

    /// Whether the input side can take more (a master's writer waits otherwise).
    public var inputRoom: Int {
        let held = canonical ? lines.reduce(edit.count) { $0 + $1.count } : raw.count
        return max(0, Self.bufferLimit - held)
    }

    // MARK: The writer's side (output)

    /// Whether the slave's writers may write (output not stopped, queue below its limit).
    public var writable: Bool { !outputStopped && output.count < Self.bufferLimit }

    /// Writes from the slave: processed into the output queue; returns the bytes taken.
    public func write(_ bytes: UnsafeRawBufferPointer) -> Int {
        if outputStopped { return 0 }
        var taken = 0
        for c in bytes {
            if output.count >= Self.bufferLimit { break }
            emit(c)
            taken += 1
        }
        return taken
    }

    /// The master's read: up to `max` bytes of output.
    public func takeOutput(max: Int) -> [UInt8] {
        let n = min(max, output.count)
        let out = Array(output[..<n])
        output.removeFirst(n)
        return out
    }

    /// TCFLSH's halves.
    public func flushInput() { lines.removeAll(); edit.removeAll(); raw.removeAll(); literalNext = false }
    public func flushOutput() { output.removeAll() }

    /// TCXONC: TCOOFF/TCOON stop and restart output; TCIOFF/TCION send VSTOP/VSTART.
    public func flowControl(_ action: Int32) throws(Errno) {
        switch action {
        case 0: outputStopped = true
        case 1: outputStopped = false
        case 2: if termios.cc[KernelTermios.VSTOP] != 0 { output.append(termios.cc[KernelTermios.VSTOP]) }
        case 3: if termios.cc[KernelTermios.VSTART] != 0 { output.append(termios.cc[KernelTermios.VSTART]) }
        default: throw .invalidArgument
        }
    }

    /// One output byte through OPOST (do_output_char).
    private func emit(_ c: UInt8) {
        let t = termios
        guard t.has(o: KernelTermios.OPOST) else { output.append(c); return }
        switch c {
        case 0x0A:
            if t.has(o: KernelTermios.ONLRET) { column = 0 }
            if t.has(o: KernelTermios.ONLCR) { output.append(0x0D); column = 0 }
            output.append(0x0A)
        case 0x0D:
            if t.has(o: KernelTermios.ONOCR) && column == 0 { return }
            if t.has(o: KernelTermios.OCRNL) {
                if t.has(o: KernelTermios.ONLRET) { column = 0 }
                output.append(0x0A)
                return
            }
            column = 0
            output.append(0x0D)
        case 0x09:
            let spaces = 8 - (column & 7)
            if t.oflag & KernelTermios.TABDLY == KernelTermios.XTABS {
                output.append(contentsOf: repeatElement(0x20, count: spaces))
            } else {
                output.append(0x09)
            }
            column += spaces
        case 0x08:
            if column > 0 { column -= 1 }
            output.append(c)
        default:
            var c = c
            if t.has(o: KernelTermios.OLCUC) && c >= 0x61 && c <= 0x7A { c -= 0x20 }
            if c >= 0x20 && c != 0x7F && !(t.has(i: KernelTermios.IUTF8) && c & 0xC0 == 0x80) { column += 1 }
            output.append(c)
        }
    }

    private func emit(_ s: [UInt8]) { for c in s { emit(c) } }

    // MARK: Input (the keyboard's side)

    /// What typing a byte asked of the terminal besides buffering it.
    public enum Event: Equatable {
        case signal(Int32)
    }

    /// Input from the master or the console: processed byte by byte. Returns the signals to
    /// send to the foreground process group. Bytes beyond `inputRoom` are not taken: the caller
    /// passes at most that many.
    public func receive(_ bytes: UnsafeRawBufferPointer) -> [Event] {
        var events: [Event] = []
        for c in bytes { receive(c, &events) }
        return events
    }

    public func receive(_ bytes: [UInt8]) -> [Event] { bytes.withUnsafeBytes { receive($0) } }

    private func receive(_ input: UInt8, _ events: inout [Event]) {
        let t = termios
        var c = input
        if t.has(i: KernelTermios.ISTRIP) { c &= 0x7F }
        if t.has(i: KernelTermios.IUCLC) && t.has(l: KernelTermios.IEXTEN) && c >= 0x41 && c <= 0x5A { c += 0x20 }
        if literalNext {
            literalNext = false
            if t.has(l: KernelTermios.ECHO) && t.has(l: KernelTermios.ECHOCTL) { emit([0x08]) }  // over the "^"
            store(c, literal: true)
            return
        }
        if c == 0x0D {
            if t.has(i: KernelTermios.IGNCR) { return }
            if t.has(i: KernelTermios.ICRNL) { c = 0x0A }
        } else if c == 0x0A && t.has(i: KernelTermios.INLCR) {
            c = 0x0D
        }
        if t.has(i: KernelTermios.IXON) {
            if t.isChar(c, KernelTermios.VSTOP) { outputStopped = true; return }
            if t.isChar(c, KernelTermios.VSTART) { outputStopped = false; return }
            if t.has(i: KernelTermios.IXANY) { outputStopped = false }
        }
        if t.has(l: KernelTermios.ISIG) {
            var sig: Int32 = 0
            if t.isChar(c, KernelTermios.VINTR) { sig = Signal.SIGINT }
            else if t.isChar(c, KernelTermios.VQUIT) { sig = Signal.SIGQUIT }
            else if t.isChar(c, KernelTermios.VSUSP) { sig = Signal.SIGTSTP }
            if sig != 0 {
                if !t.has(l: KernelTermios.NOFLSH) { flushInput(); flushOutput() }
                outputStopped = false
                if t.has(l: KernelTermios.ECHO) { echo(c) }
                events.append(.signal(sig))
                return
            }
        }
        if t.has(l: KernelTermios.IEXTEN) && t.isChar(c, KernelTermios.VLNEXT) {
            literalNext = true
            if t.has(l: KernelTermios.ECHO) && t.has(l: KernelTermios.ECHOCTL) { emit([0x5E]) }  // "^", then backspaced
            return
        }
        store(c, literal: false)
    }

    /// A byte past the signal and flow-control characters: line editing or the raw buffer.
    private func store(_ c: UInt8, literal: Bool) {
        let t = termios
        let echoOn = t.has(l: KernelTermios.ECHO)
        guard canonical else {
            raw.append(c)
            if echoOn { echo(c) } else if c == 0x0A && t.has(l: KernelTermios.ECHONL) { emit(0x0A) }
            return
        }
        if !literal {
            if t.isChar(c, KernelTermios.VERASE) || (t.has(l: KernelTermios.IEXTEN) && t.isChar(c, KernelTermios.VWERASE)) || t.isChar(c, KernelTermios.VKILL) {
                erase(c)
                return
            }
            if t.has(l: KernelTermios.IEXTEN) && t.isChar(c, KernelTermios.VREPRINT) {
                if echoOn {
                    echo(c); emit(0x0A)
                    for e in edit { echo(e) }
                }
                return
            }
            if t.isChar(c, KernelTermios.VEOF) {
                commit(edit)
                return
            }
            if c == 0x0A || t.isChar(c, KernelTermios.VEOL) || (t.has(l: KernelTermios.IEXTEN) && t.isChar(c, KernelTermios.VEOL2)) {
                if echoOn || (c == 0x0A && t.has(l: KernelTermios.ECHONL)) {
                    if c == 0x0A { emit(0x0A) } else { echo(c) }
                }
                commit(edit + [c])
                return
            }
        }
        if edit.count >= Self.lineLimit {
            if t.has(i: KernelTermios.IMAXBEL) && echoOn { output.append(0x07) }
            return
        }
        if edit.isEmpty { editColumn = column }
        edit.append(c)
        if echoOn { echo(c) }
    }

    private func commit(_ line: [UInt8]) {
        lines.append(line)
        edit.removeAll()
    }

    /// echo_char: control characters as ^X under ECHOCTL (tab and newline as they are).
    private func echo(_ c: UInt8) {
        if termios.has(l: KernelTermios.ECHOCTL) && (c < 0x20 || c == 0x7F) && c != 0x09 && c != 0x0A {
            emit(0x5E)
            emit(c ^ 0x40)
        } else {
            emit(c)
        }
    }

    /// VERASE, VWERASE, VKILL (n_tty's eraser).
    private func erase(_ c: UInt8) {
        let t = termios
        let echoOn = t.has(l: KernelTermios.ECHO)
        let kill = t.isChar(c, KernelTermios.VKILL)
        let word = !kill && t.has(l: KernelTermios.IEXTEN) && t.isChar(c, KernelTermios.VWERASE) && !t.isChar(c, KernelTermios.VERASE)
        if edit.isEmpty { return }
        if kill && echoOn && (!t.has(l: KernelTermios.ECHOE) || !t.has(l: KernelTermios.ECHOKE)) {
            // Without ECHOKE the line is not rubbed out: the kill character and perhaps a newline.
            edit.removeAll()
            echo(c)
            if t.has(l: KernelTermios.ECHOK) { emit(0x0A) }
            return
        }
        if !kill && !word && echoOn && !t.has(l: KernelTermios.ECHOE) {
            removeLastCharacter()
            echo(c)
            return
        }
        var seenWord = false
        while let last = edit.last {
            if word {
                let space = last == 0x20 || last == 0x09
                if space && seenWord { break }
                if !space { seenWord = true }
            }
            let removed = removeLastCharacter()
            if echoOn { rubOut(removed) }
            if !kill && !word { break }
        }
    }

    /// Drops the last character of the edited line (a whole UTF-8 sequence under IUTF8).
    @discardableResult
    private func removeLastCharacter() -> [UInt8] {
        var removed: [UInt8] = [edit.removeLast()]
        if termios.has(i: KernelTermios.IUTF8) {
            while removed[0] & 0xC0 == 0x80, let l = edit.last, l & 0x80 != 0 {
                removed.insert(edit.removeLast(), at: 0)
                if l & 0xC0 == 0xC0 { break }
            }
        }
        return removed
    }

    /// Erases a character on the screen: "\b \b" once, twice for a ^X, back to the tab stop for a tab.
    private func rubOut(_ removed: [UInt8]) {
        let c = removed[0]
        if c == 0x09 {
            var col = editColumn
            for e in edit {
                if e == 0x09 { col = (col | 7) + 1 }
                else if e < 0x20 || e == 0x7F { if termios.has(l: KernelTermios.ECHOCTL) { col += 2 } }
                else if !(termios.has(i: KernelTermios.IUTF8) && e & 0xC0 == 0x80) { col += 1 }
            }
            for _ in 0..<max(0, column - col) { emit(0x08) }
            return
        }
        let wide = (c < 0x20 || c == 0x7F) && termios.has(l: KernelTermios.ECHOCTL)
        for _ in 0..<(wide ? 2 : 1) { emit([0x08, 0x20, 0x08]) }
    }
}
