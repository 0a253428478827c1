// Wait queues: how a task parked in a served syscall learns that it may make progress.
// The kernel is single-threaded, so a queue is a plain list of callbacks.

/// Readiness events in poll(2) bits (POLLIN, POLLOUT, POLLERR, POLLHUP…).
public typealias EventMask = UInt32

public enum PollEvents {
    public static let input: EventMask = 0x001      // POLLIN
    public static let priority: EventMask = 0x002   // POLLPRI
    public static let output: EventMask = 0x004     // POLLOUT
    public static let error: EventMask = 0x008      // POLLERR
    public static let hangUp: EventMask = 0x010     // POLLHUP
    public static let invalid: EventMask = 0x020    // POLLNVAL
    public static let readHangUp: EventMask = 0x2000 // POLLRDHUP
}

/// One interested party: a parked task's retry, a poll or epoll instance.
public final class Waiter {
    public let mask: EventMask
    let callback: (EventMask) -> Void
    fileprivate(set) var queues: [ObjectIdentifier: WaitQueue] = [:]
    public init(mask: EventMask, _ callback: @escaping (EventMask) -> Void) {
        self.mask = mask
        self.callback = callback
    }
    /// Leaves every queue this waiter joined.
    public func cancel() {
        for q in queues.values { q.remove(self) }
        queues.removeAll()
    }
}

public final class WaitQueue {
    private var waiters: [Waiter] = []
    public init() {}

    public func add(_ w: Waiter) {
        if w.queues[ObjectIdentifier(self)] != nil { return }
        waiters.append(w)
        w.queues[ObjectIdentifier(self)] = self
    }

    public func remove(_ w: Waiter) {
        waiters.removeAll { $0 === w }
        w.queues[ObjectIdentifier(self)] = nil
    }

    public var isEmpty: Bool { waiters.isEmpty }

    /// Wakes every waiter interested in any of `events`. Callbacks may add or remove waiters.
    public func notify(_ events: EventMask) {
        if waiters.isEmpty { return }
        let snapshot = waiters
        for w in snapshot where w.mask & events != 0 || events & (PollEvents.error | PollEvents.hangUp) != 0 {
            w.callback(events)
        }
    }
}
