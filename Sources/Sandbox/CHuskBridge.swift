import CHusk

/// getrandom into a buffer; returns the byte count (or a negative errno).
func chusk_getrandom_bytes(_ buf: UnsafeMutableRawBufferPointer) -> Int {
    Int(chusk_getrandom(buf.baseAddress, buf.count))
}
