import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends `signal` to the calling thread, unblocking it there first, so that it is
/// delivered before `raise` returns.
///
/// An exit test's body may run on a Dispatch worker thread, and Dispatch blocks the
/// asynchronous signals (SIGINT, SIGTERM, …) in its workers: a plain `raise` there leaves
/// the signal pending and the code goes on as if it had never been sent.
public func raiseUnblocked(_ signal: Int32) {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signal)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    raise(signal)
}
