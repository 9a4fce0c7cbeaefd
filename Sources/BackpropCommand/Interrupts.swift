import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT) while `backprop train` runs.
///
/// While ``install()`` is in effect, the first SIGINT during training only sets a flag
/// that `TrainingOptions.shouldStop` reads after every step: the run stops at the end of
/// the current step and the command saves and reports (``TrainCommand``). A second SIGINT,
/// or a first one outside training (evaluating, saving), ends the process at once with
/// status 130. During a save the temporary file is still removed first: the save's own
/// handler (`TemporaryCleanup` in BackpropNN) runs, unlinks it, puts this handler back and
/// raises the signal again.
///
/// ```
/// SIGINT n (n = 1, 2, …):  n = 1 ∧ training → stop after this step;  otherwise → _exit(130)
/// ```
///
/// The handler touches only two atomics and calls `_exit`: async-signal-safe.
enum Interrupts {
    /// The exit status after an interrupt: 128 + SIGINT, what shells report.
    static let exitStatus: Int32 = 130
    /// SIGINTs received since the first ``install()``.
    static let received = Atomic<Int>(0)
    /// Whether training is running (a first SIGINT then only asks it to stop).
    static let training = Atomic<Bool>(false)
    /// Guards ``installations`` and the previous handler.
    private static let lock = NSLock()
    /// Nested installations (in-process runs may overlap); the handler stays while > 0.
    nonisolated(unsafe) private static var installations = 0
    #if canImport(Glibc)
    nonisolated(unsafe) private static var previous = sigaction()
    #endif

    /// Whether a SIGINT asked training to stop.
    static var stopRequested: Bool { received.load(ordering: .relaxed) > 0 }

    /// Installs the SIGINT handler (nested calls count; the first resets the count).
    static func install() {
        lock.lock(); defer { lock.unlock() }
        installations += 1
        guard installations == 1 else { return }
        received.store(0, ordering: .relaxed)   // initialised before the handler can run
        training.store(false, ordering: .relaxed)
        #if canImport(Glibc)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handleInterrupt
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART   // reads and writes in progress go on, no EINTR
        sigaction(SIGINT, &action, &previous)
        #endif
    }

    /// Puts the previous SIGINT handler back after the last ``install()``.
    static func uninstall() {
        lock.lock(); defer { lock.unlock() }
        installations -= 1
        guard installations == 0 else { return }
        #if canImport(Glibc)
        sigaction(SIGINT, &previous, nil)
        #endif
    }

    /// Runs `body` with ``training`` set: a first SIGINT only asks it to stop.
    static func whileTraining<T>(_ body: () throws -> T) rethrows -> T {
        training.store(true, ordering: .relaxed)
        defer { training.store(false, ordering: .relaxed) }
        return try body()
    }
}

#if canImport(Glibc)
/// The SIGINT handler: atomics and `_exit` only.
private func handleInterrupt(_ signal: Int32) {
    let count = Interrupts.received.wrappingAdd(1, ordering: .relaxed).newValue
    if count > 1 || !Interrupts.training.load(ordering: .relaxed) { _exit(Interrupts.exitStatus) }
}
#endif
