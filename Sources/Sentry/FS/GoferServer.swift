import GoferProtocol
import SystemPackage

/// What goferfs needs from the Gofer: the read side of GoferClient. A protocol so that tests
/// can count round trips or serve a fake tree; `GoferClient` conforms in GoferClientServer.swift.
public protocol GoferFileServer: AnyObject {
    func walk(_ dir: GoferHandle, _ names: [[UInt8]]) throws(Errno) -> [(GoferHandle, GoferAttr)]
    func stat(_ h: GoferHandle) throws(Errno) -> GoferAttr
    func open(_ h: GoferHandle, flags: Int32) throws(Errno) -> Int32
    func readlink(_ h: GoferHandle) throws(Errno) -> [UInt8]
    func getdents(_ h: GoferHandle) throws(Errno) -> [GoferDirent]
    func statfs(_ h: GoferHandle) throws(Errno) -> GoferStatFS
    func close(_ h: GoferHandle)
}
