// libFuzzer target for the Gofer protocol decoder. Built by run.sh together with the codec
// sources (pure stdlib) using `swiftc -sanitize=fuzzer,address -parse-as-library`.
// Any trap (overflow, out of bounds, force unwrap) or sanitizer report is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGoferDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    if let (id, req) = try? GoferRequest.decode(raw) {
        // A decoded message must encode back to the same bytes.
        let again = req.encoded(id: id)
        if !again.elementsEqual(raw) { fatalError("request re-encoding differs") }
    }
    if let (id, reply) = try? GoferReply.decode(raw) {
        let again = reply.encoded(id: id)
        if !again.elementsEqual(raw) { fatalError("reply re-encoding differs") }
    }
    _ = GoferHeader.peekID(raw)
    return 0
}
