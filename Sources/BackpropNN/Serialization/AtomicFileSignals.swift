import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files of saves in progress, removed by a signal handler when the process
/// is interrupted (SIGINT, SIGTERM, SIGHUP) so that no `.NAME.tmp-…` file is left behind.
/// The handler is installed while at least one save runs and the previous handlers are
/// put back afterwards; on a signal it unlinks every registered temporary, restores the
/// previous handler and raises the signal again, so the process ends (or the program's
/// own handler runs) as it would have without the save. A SIGKILL cannot be caught: the
/// next save of the same file removes what it left (see `removeStaleTemporaries`).
enum TemporaryCleanup {
    /// Concurrent saves tracked at once (more are saved without signal cleanup).
    static let slotCount = 16
    /// Bytes per path, NUL included.
    static let slotSize = Int(PATH_MAX)
    /// The signals handled.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    /// `slotCount` NUL-terminated paths; a slot whose first byte is NUL is free. Read by
    /// the signal handler, so it is plain memory allocated once.
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: slotCount * slotSize)
        p.initialize(repeating: 0, count: slotCount * slotSize)
        return p
    }()
    #if canImport(Glibc)
    /// The handlers to put back, in the order of `signals`.
    nonisolated(unsafe) static let previous: UnsafeMutablePointer<sigaction> = {
        let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 3)
        p.initialize(repeating: sigaction(), count: 3)
        return p
    }()
    #endif
    static let lock = NSLock()
    nonisolated(unsafe) static var active = 0

    /// Registers `path` for removal on a signal; returns its slot, or nil when every slot
    /// is taken or the path is too long.
    static func register(_ path: String) -> Int? {
        let bytes = Array(path.utf8CString)
        guard bytes.count <= slotSize else { return nil }
        _ = slots   // initialised before the handler can run
        lock.lock(); defer { lock.unlock() }
        guard let slot = (0..<slotCount).first(where: { slots[$0 * slotSize] == 0 }) else { return nil }
        let base = slots + slot * slotSize
        for i in 1..<bytes.count { base[i] = bytes[i] }
        base[0] = bytes[0]   // last: the slot is in use only once the path is complete
        if active == 0 { install() }
        active += 1
        return slot
    }

    /// Forgets the path in `slot` (the save finished or failed and cleaned up itself).
    static func unregister(_ slot: Int) {
        lock.lock(); defer { lock.unlock() }
        slots[slot * slotSize] = 0
        active -= 1
        if active == 0 { restore() }
    }

    private static func install() {
        #if canImport(Glibc)
        _ = previous
        for (i, signal) in signals.enumerated() {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = removeTemporariesAndReraise
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, previous + i)
        }
        #endif
    }

    private static func restore() {
        #if canImport(Glibc)
        for (i, signal) in signals.enumerated() { sigaction(signal, previous + i, nil) }
        #endif
    }
}

#if canImport(Glibc)
/// The signal handler: async-signal-safe calls only (`unlink`, `sigaction`, `raise`).
private func removeTemporariesAndReraise(_ signal: Int32) {
    let slots = TemporaryCleanup.slots
    for slot in 0..<TemporaryCleanup.slotCount where slots[slot * TemporaryCleanup.slotSize] != 0 {
        unlink(slots + slot * TemporaryCleanup.slotSize)
    }
    let index = signal == SIGINT ? 0 : signal == SIGTERM ? 1 : 2
    sigaction(signal, TemporaryCleanup.previous + index, nil)
    raise(signal)
}
#endif
