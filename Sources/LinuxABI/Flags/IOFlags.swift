// Sockets, poll/epoll, eventfd/timerfd/signalfd/pipe flags.

/// Address families, socket types and common socket options (linux/socket.h, net.h).
public enum Socket {
    public static let AF_UNSPEC: Int32 = 0
    public static let AF_UNIX: Int32 = 1
    public static let AF_LOCAL: Int32 = 1
    public static let AF_INET: Int32 = 2
    public static let AF_INET6: Int32 = 10
    public static let AF_NETLINK: Int32 = 16
    public static let AF_PACKET: Int32 = 17
    public static let SOCK_STREAM: Int32 = 1
    public static let SOCK_DGRAM: Int32 = 2
    public static let SOCK_RAW: Int32 = 3
    public static let SOCK_SEQPACKET: Int32 = 5
    /// Low bits of the type argument that hold the type; the rest are SOCK_NONBLOCK/CLOEXEC.
    public static let SOCK_TYPE_MASK: Int32 = 0xf
    public static let SOCK_NONBLOCK: Int32 = 0o4000
    public static let SOCK_CLOEXEC: Int32 = 0o2000000
    public static let SOL_SOCKET: Int32 = 1
    public static let SO_REUSEADDR: Int32 = 2
    public static let SO_TYPE: Int32 = 3
    public static let SO_ERROR: Int32 = 4
    public static let SO_SNDBUF: Int32 = 7
    public static let SO_RCVBUF: Int32 = 8
    public static let SO_KEEPALIVE: Int32 = 9
    public static let SO_PASSCRED: Int32 = 16
    public static let SO_PEERCRED: Int32 = 17
    public static let SO_ACCEPTCONN: Int32 = 30
    public static let SO_DOMAIN: Int32 = 39
    public static let SO_PROTOCOL: Int32 = 38
    public static let SCM_RIGHTS: Int32 = 1
    public static let SCM_CREDENTIALS: Int32 = 2
    public static let MSG_OOB: Int32 = 0x1
    public static let MSG_PEEK: Int32 = 0x2
    public static let MSG_DONTROUTE: Int32 = 0x4
    public static let MSG_CTRUNC: Int32 = 0x8
    public static let MSG_TRUNC: Int32 = 0x20
    public static let MSG_DONTWAIT: Int32 = 0x40
    public static let MSG_EOR: Int32 = 0x80
    public static let MSG_WAITALL: Int32 = 0x100
    public static let MSG_NOSIGNAL: Int32 = 0x4000
    public static let MSG_CMSG_CLOEXEC: Int32 = 0x4000_0000
    public static let SHUT_RD: Int32 = 0
    public static let SHUT_WR: Int32 = 1
    public static let SHUT_RDWR: Int32 = 2
}

/// poll(2) events; Int16 like pollfd.events (asm-generic/poll.h).
public enum Poll {
    public static let POLLIN: Int16 = 0x0001
    public static let POLLPRI: Int16 = 0x0002
    public static let POLLOUT: Int16 = 0x0004
    public static let POLLERR: Int16 = 0x0008
    public static let POLLHUP: Int16 = 0x0010
    public static let POLLNVAL: Int16 = 0x0020
    public static let POLLRDNORM: Int16 = 0x0040
    public static let POLLRDBAND: Int16 = 0x0080
    public static let POLLWRNORM: Int16 = 0x0100
    public static let POLLWRBAND: Int16 = 0x0200
    public static let POLLMSG: Int16 = 0x0400
    public static let POLLRDHUP: Int16 = 0x2000
}

/// epoll(7) events, ctl ops and create flags (linux/eventpoll.h).
public enum Epoll {
    public static let EPOLLIN: UInt32 = 0x0000_0001
    public static let EPOLLPRI: UInt32 = 0x0000_0002
    public static let EPOLLOUT: UInt32 = 0x0000_0004
    public static let EPOLLERR: UInt32 = 0x0000_0008
    public static let EPOLLHUP: UInt32 = 0x0000_0010
    public static let EPOLLRDNORM: UInt32 = 0x0000_0040
    public static let EPOLLRDBAND: UInt32 = 0x0000_0080
    public static let EPOLLWRNORM: UInt32 = 0x0000_0100
    public static let EPOLLWRBAND: UInt32 = 0x0000_0200
    public static let EPOLLMSG: UInt32 = 0x0000_0400
    public static let EPOLLRDHUP: UInt32 = 0x0000_2000
    public static let EPOLLEXCLUSIVE: UInt32 = 1 << 28
    public static let EPOLLWAKEUP: UInt32 = 1 << 29
    public static let EPOLLONESHOT: UInt32 = 1 << 30
    public static let EPOLLET: UInt32 = 1 << 31
    public static let EPOLL_CTL_ADD: Int32 = 1
    public static let EPOLL_CTL_DEL: Int32 = 2
    public static let EPOLL_CTL_MOD: Int32 = 3
    public static let EPOLL_CLOEXEC: Int32 = 0o2000000
}

/// Flags of the fd-creating calls: pipe2, eventfd2, timerfd, signalfd, inotify.
public enum FdCreateFlags {
    public static let EFD_SEMAPHORE: Int32 = 1
    public static let EFD_CLOEXEC: Int32 = 0o2000000
    public static let EFD_NONBLOCK: Int32 = 0o4000
    public static let TFD_CLOEXEC: Int32 = 0o2000000
    public static let TFD_NONBLOCK: Int32 = 0o4000
    public static let TFD_TIMER_ABSTIME: Int32 = 1 << 0
    public static let TFD_TIMER_CANCEL_ON_SET: Int32 = 1 << 1
    public static let SFD_CLOEXEC: Int32 = 0o2000000
    public static let SFD_NONBLOCK: Int32 = 0o4000
    public static let IN_CLOEXEC: Int32 = 0o2000000
    public static let IN_NONBLOCK: Int32 = 0o4000
}

/// Clock ids (linux/time.h).
public enum Clock {
    public static let CLOCK_REALTIME: Int32 = 0
    public static let CLOCK_MONOTONIC: Int32 = 1
    public static let CLOCK_PROCESS_CPUTIME_ID: Int32 = 2
    public static let CLOCK_THREAD_CPUTIME_ID: Int32 = 3
    public static let CLOCK_MONOTONIC_RAW: Int32 = 4
    public static let CLOCK_REALTIME_COARSE: Int32 = 5
    public static let CLOCK_MONOTONIC_COARSE: Int32 = 6
    public static let CLOCK_BOOTTIME: Int32 = 7
    public static let CLOCK_REALTIME_ALARM: Int32 = 8
    public static let CLOCK_BOOTTIME_ALARM: Int32 = 9
    public static let TIMER_ABSTIME: Int32 = 1
    public static let ITIMER_REAL: Int32 = 0
    public static let ITIMER_VIRTUAL: Int32 = 1
    public static let ITIMER_PROF: Int32 = 2
}
