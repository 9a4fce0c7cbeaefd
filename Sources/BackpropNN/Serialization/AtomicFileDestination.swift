import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AtomicFile {
    /// Checks that `path` can be written by ``write(_:to:force:)`` before any work is done
    /// (a training run checks its `--save` destination before it trains), and throws a
    /// one-line error naming the problem otherwise:
    ///
    /// - an empty name, a name ending in `/`, or an existing directory;
    /// - a directory that does not exist, is not a directory, or where no file can be
    ///   created (checked by creating and removing a temporary file there);
    /// - an existing file that is not a regular file;
    /// - unless `force`: a symbolic link (the link itself would be replaced, not its
    ///   target) or a read-only file (no write permission for anyone, or not writable
    ///   by this user).
    ///
    /// - Parameter forceHint: How the caller asks to force, named in the messages (the
    ///   command passes `--force`).
    public static func checkDestination(_ path: String, force: Bool = false, forceHint: String = "force: true") throws {
        guard !path.isEmpty else { throw SafeTensorsError("'': the file name is empty") }
        guard !path.hasSuffix("/") else {
            throw SafeTensorsError("\(path): names a directory; give a file name, e.g. \(path)model.safetensors")
        }
        var st = stat()
        if lstat(path, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                throw SafeTensorsError("\(path): is a directory; give a file name, e.g. \(path)/model.safetensors")
            case S_IFLNK:
                if !force {
                    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
                    throw SafeTensorsError("\(path): is a symbolic link (to \(target)); not replaced without \(forceHint), which replaces the link itself")
                }
            case S_IFREG:
                if !force && (st.st_mode & 0o222 == 0 || access(path, W_OK) != 0) {
                    throw SafeTensorsError("\(path): the file is read-only; not replaced without \(forceHint)")
                }
            default:
                throw SafeTensorsError("\(path): is not a regular file")
            }
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var dst = stat()
        guard stat(directory, &dst) == 0 else {
            throw SafeTensorsError("\(path): the directory \(directory) does not exist")
        }
        guard dst.st_mode & S_IFMT == S_IFDIR else {
            throw SafeTensorsError("\(path): \(directory) is not a directory")
        }
        let probe = temporaryName(for: path)
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw SafeTensorsError("\(path): cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        close(fd)
        unlink(probe)
    }

    /// A fresh temporary name next to `path`:
    ///
    /// ```
    /// DIRECTORY/.NAME.tmp-PID-RANDOM
    /// ```
    static func temporaryName(for path: String) -> String {
        temporaryPrefix(for: path) + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// `DIRECTORY/.NAME.tmp-`: the start of every temporary name of `path`.
    static func temporaryPrefix(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-"
    }

    /// Removes the temporaries of `path` left by a save that was killed: those whose
    /// process (the PID in the name) no longer exists. A save in progress in a living
    /// process, this one included, is left alone. Returns the paths removed.
    @discardableResult
    static func removeStaleTemporaries(of path: String) -> [String] {
        let prefix = temporaryPrefix(for: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let name = String(prefix.dropFirst(directory.count + 1))
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for entry in entries where entry.hasPrefix(name) {
            let rest = entry.dropFirst(name.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0,
                  UInt32(rest[rest.index(after: dash)...]) != nil else { continue }
            guard pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            if unlink(directory + "/" + entry) == 0 { removed.append(directory + "/" + entry) }
        }
        return removed
    }
}
