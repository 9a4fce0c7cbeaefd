import Foundation

/// A fresh path named `name` in its own new temporary directory (nothing is written there):
///
/// ```
/// $TMPDIR/backprop-tests-PID-RANDOM/name
/// ```
public func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("backprop-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}
