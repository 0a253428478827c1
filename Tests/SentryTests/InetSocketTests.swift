import LinuxABI
import Testing
@testable import Sentry

@Suite("Inet and rtnetlink allow-lists")
struct InetSocketTests {
    /// A netlink message: length, type, flags, seq, pid, then `body` bytes of zeros.
    private func message(type: UInt16, flags: UInt16, body: Int = 16) -> [UInt8] {
        var m: [UInt8] = []
        withUnsafeBytes(of: UInt32(16 + body).littleEndian) { m += $0 }
        withUnsafeBytes(of: type.littleEndian) { m += $0 }
        withUnsafeBytes(of: flags.littleEndian) { m += $0 }
        m += [UInt8](repeating: 0, count: 8 + body)
        return m
    }

    @Test("rtnetlink: read requests pass, changes and replies do not, walked as netlink_rcv_skb")
    func netlinkRequests() {
        func allowed(_ b: [UInt8]) -> Bool { b.withUnsafeBytes { SysInet.netlinkRequestAllowed($0) } }
        let getLink = message(type: 18, flags: 0x301)   // RTM_GETLINK, REQUEST|DUMP
        let getAddr = message(type: 22, flags: 0x301)
        let newLink = message(type: 16, flags: 0x5)     // RTM_NEWLINK, REQUEST|ACK
        #expect(allowed(getLink))
        #expect(allowed(getLink + getAddr), "several requests")
        #expect(!allowed(newLink))
        #expect(!allowed(getLink + newLink), "a change after a read")
        #expect(!allowed(message(type: 18, flags: 0x300)), "without NLM_F_REQUEST")
        #expect(!allowed(message(type: 24, flags: 0x1)), "RTM_NEWROUTE")
        // Zero padding after a request ends the walk, as in the kernel (iproute2 sends its
        // request buffer whole); a header claiming more than is left ends it too.
        #expect(allowed(getLink + [UInt8](repeating: 0, count: 1024)))
        var long = newLink; long[0] = 0xff
        #expect(allowed(long), "never processed by the kernel either")
    }

    @Test("socket options: the allow-list keeps BPF, device binding and marks out")
    func options() {
        #expect(InetHostCalls.allowsSet(level: 6, name: 1))       // TCP_NODELAY
        #expect(InetHostCalls.allowsSet(level: 41, name: 26))     // IPV6_V6ONLY
        #expect(!InetHostCalls.allowsSet(level: 1, name: 26))     // SO_ATTACH_FILTER
        #expect(!InetHostCalls.allowsSet(level: 1, name: 50))     // SO_ATTACH_BPF
        #expect(!InetHostCalls.allowsSet(level: 1, name: 25))     // SO_BINDTODEVICE
        #expect(!InetHostCalls.allowsSet(level: 1, name: 36))     // SO_MARK
        #expect(!InetHostCalls.allowsSet(level: 0, name: 3))      // IP_HDRINCL
        #expect(!InetHostCalls.allowsSet(level: 6, name: 13))     // TCP_CONGESTION: read only
        #expect(InetHostCalls.allowsGet(level: 6, name: 13))
        #expect(!InetHostCalls.interfaceQueries.contains(0x8914)) // SIOCSIFFLAGS
    }
}
