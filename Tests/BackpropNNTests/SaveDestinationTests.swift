import Backprop
import Foundation
import Testing
import BackpropTestSupport
@testable import BackpropNN
#if canImport(Glibc)
import Glibc
#endif

private func permissions(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
}

/// `--save` destinations are checked before training; replacing keeps permissions and
/// refuses links and read-only files without `--force`; stale temporaries are removed.
@Suite("Saving: destinations checked before training")
struct SaveDestinationTests {
    @Test("bad --save destinations are one-line errors before anything is trained")
    func badDestinations() throws {
        let dir = (temporaryPath("x") as NSString).deletingLastPathComponent
        var cases: [(String, String)] = [
            ("", "backprop: --save '': the file name is empty"),
            (dir + "/", "backprop: --save \(dir)/: names a directory; give a file name"),
            (dir, "backprop: --save \(dir): is a directory; give a file name"),
            (dir + "/missing/m.safetensors", "backprop: --save \(dir)/missing/m.safetensors: the directory \(dir)/missing does not exist"),
        ]
        #if os(Linux)
        cases.append(("/sys/m.safetensors", "backprop: --save /sys/m.safetensors: cannot create a file in /sys: "))
        #endif
        let link = dir + "/link.safetensors"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir + "/target.safetensors")
        cases.append((link, "backprop: --save \(link): is a symbolic link (to \(dir)/target.safetensors); not replaced without --force"))
        for (path, message) in cases {
            let r = runBackprop(["train", "xor", "--epochs", "1", "--save", path])
            #expect(r.status == 2, "\(path): \(r.status)")
            #expect(r.err.hasPrefix(message), "\(path): \(r.err)")
            #expect(!r.out.contains("data:") && !r.out.contains("final loss"), "checked before training: \(r.out)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/target.safetensors") == false)
        // --force replaces the link itself, not its target.
        let forced = runBackprop(["train", "xor", "--epochs", "1", "--save", link, "--force"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == nil)
        #expect(FileManager.default.fileExists(atPath: dir + "/target.safetensors") == false)
    }

    @Test("a read-only file is replaced only with --force, and keeps its permissions; so does any replaced file")
    func permissionsKept() throws {
        let path = temporaryPath("m.safetensors")
        let model = MLP<Float>([2, 2, 1], activation: .relu, seed: 1)
        try model.save(to: path)
        chmod(path, 0o600)
        try model.save(to: path)
        #expect(try permissions(path) == 0o600)
        chmod(path, 0o444)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let refused = runBackprop(["train", "xor", "--epochs", "1", "--save", path])
        #expect(refused.status == 2 && refused.err.contains("backprop: --save \(path): the file is read-only; not replaced without --force"), "\(refused.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(throws: SafeTensorsError("\(path): the file is read-only; not replaced without force: true")) { try model.save(to: path) }
        let forced = runBackprop(["train", "xor", "--epochs", "1", "--save", path, "--force"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) != before)
        #expect(try permissions(path) == 0o444)
    }

    @Test("a save removes the temporaries a killed save of the same file left, and no others")
    func staleTemporaries() throws {
        let path = temporaryPath("m.safetensors")
        let dir = (path as NSString).deletingLastPathComponent
        // PID 999999999 exceeds Linux's pid_max: that process cannot exist.
        let stale = dir + "/.m.safetensors.tmp-999999999-12345"
        let live = dir + "/.m.safetensors.tmp-\(getpid())-6789"          // a save in progress here
        let other = dir + "/.n.safetensors.tmp-999999999-12345"          // another target's
        for p in [stale, live, other] { #expect(FileManager.default.createFile(atPath: p, contents: Data([1, 2, 3]))) }
        try MLP<Float>([2, 1], activation: .relu, seed: 1).save(to: path)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live) && FileManager.default.fileExists(atPath: other))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".m.safetensors.tmp-") }
        #expect(leftovers == [".m.safetensors.tmp-\(getpid())-6789"])
    }

    @Test("a save interrupted by SIGTERM or SIGINT leaves no temporary file and the previous file intact",
          arguments: [SIGTERM, SIGINT])
    func interruptedSave(_ signal: Int32) async throws {
        let path = temporaryPath("model.safetensors")
        let dir = (path as NSString).deletingLastPathComponent
        try MLP<Double>([64, 256, 10], activation: .relu, seed: 1).save(to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect(processExitsWith: .signal(signal)) { [path = path as String, signal = signal as Int32] in
            let other = MLP<Double>([64, 256, 10], activation: .relu, seed: 2)
            // Delivered to this thread, now: the test runner's threads may block SIGINT and
            // SIGTERM (a raise would then wait forever), and a process-directed kill could be
            // taken by another thread after the rename.
            AtomicFile.testHookAfterChunk = { written in
                guard written >= 65_536 else { return }
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, signal)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                raise(signal)
            }
            try? other.save(to: path)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
