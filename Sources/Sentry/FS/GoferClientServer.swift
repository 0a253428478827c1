import GoferProtocol
import SystemPackage

/// The real Gofer client serves goferfs as it is.
extension GoferClient: GoferFileServer {}
