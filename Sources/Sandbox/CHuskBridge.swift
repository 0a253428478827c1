import CHusk

/// getrandom into a buffer; returns the byte count (or a negative errno).
func chusk_getrandom_bytes(_ buf: UnsafeMutableRawBufferPointer) -> Int {
    Int(chusk_getrandom(buf.baseAddress, buf.count))
}

func chusk_tcgets_bytes(_ fd: Int32, _ buf: inout [UInt8]) -> Int {
    Int(buf.withUnsafeMutableBufferPointer { chusk_tcgets(fd, $0.baseAddress, Int32($0.count)) })
}

func chusk_winsize(_ fd: Int32, _ rows: inout UInt16, _ cols: inout UInt16) -> Int32 {
    chusk_tiocgwinsz(fd, &rows, &cols)
}
