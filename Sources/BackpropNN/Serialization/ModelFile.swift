import Backprop
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Layer {
    /// What a model file holds: every parameter, then every state (``LayerState``:
    /// running statistics, random keys), by name, with how to set it.
    var fileTensors: [(name: String, kind: String, value: Tensor<Scalar>, assign: (Tensor<Scalar>) -> Void)] {
        namedParameters.map { n, p in (n, "parameter", p.value, { p.value = $0 }) }
            + namedStates.map { n, s in (n, "state", s.value, { s.value = $0 }) }
    }

    /// Writes every parameter and state (``LayerState``), by name, to a safetensors file (F32 for Float models, F64
    /// for Double), atomically: the bytes go to a temporary file in the same directory,
    /// which is flushed to disk and then renamed over `path`. A crash or kill at any point
    /// leaves either the previous file or the complete new one, never a torn file.
    ///
    /// A parameter that is NaN or infinite (a diverged model) is an error naming the
    /// tensor and the index, and nothing is written: a good file is never replaced by a
    /// useless one.
    ///
    /// The destination is checked first (see ``AtomicFile/checkDestination(_:force:forceHint:)``):
    /// a symbolic link or a read-only file is replaced only with `force`. A replaced
    /// file keeps its permissions.
    ///
    /// With `precision: .F16` (or `.BF16`) the file is half the size of F32: each value
    /// is rounded to nearest, ties to even; a value beyond the format's range (F16:
    /// ±65504) is an error naming the tensor and the index, and nothing is written.
    ///
    /// ```
    /// F16 = round_half_even(x) to 11 significant bits, |x| ≤ 65504
    /// ```
    ///
    /// - Parameters:
    ///   - metadata: Strings stored in the header's `__metadata__`.
    ///   - precision: The element type written: `.F64`, `.F32`, `.F16` or `.BF16`; nil
    ///     (the default) for the model's own (F32 for Float, F64 for Double).
    public func save(to path: String, metadata: [String: String] = [:], precision: SafeTensorsDType? = nil,
                     force: Bool = false) throws {
        try save(to: path, adding: [], metadata: metadata, precision: precision, force: force)
    }

    /// Writes the parameters, the states and `extra` tensors (an optimiser's state) in one
    /// file, atomically.
    func save(to path: String, adding extra: [(name: String, shape: [Int], values: [Double])],
              metadata: [String: String], precision: SafeTensorsDType? = nil, force: Bool) throws {
        let named = fileTensors
        for (name, _, value, _) in named {
            let values = value.scalars
            if let i = ScalarArrays.firstNonFinite(values) {
                throw SafeTensorsError("\(path): not saved: tensor '\(name)' holds \(values[i]) at index \(i); parameters must be finite (did the training diverge?)")
            }
        }
        let dtype: SafeTensorsDType = precision ?? (Scalar.self == Double.self ? .F64 : .F32)
        guard [.F64, .F32, .F16, .BF16].contains(dtype) else {
            throw SafeTensorsError("\(path): not saved: precision \(dtype.rawValue) is not a floating-point type that can be written (F64, F32, F16, BF16)")
        }
        let tensors = named.map { (name: $0.name, dtype: dtype, shape: $0.value.shape,
                                   values: ScalarArrays.doubles($0.value.scalars)) }
            + extra.map { (name: $0.name, dtype: dtype, shape: $0.shape, values: $0.values) }
        let bytes: [UInt8]
        do { bytes = try SafeTensorsFile.encode(tensors, metadata: metadata) } catch let e as SafeTensorsError {
            throw SafeTensorsError("\(path): not saved: \(e.message)")
        }
        try AtomicFile.write(bytes, to: path, force: force)
    }

    /// Loads every parameter and state from a safetensors file by name. F64, F32, F16 and
    /// BF16 tensors load into either element type. The file's header is validated before
    /// any tensor is read, and tensors are read one at a time. Strict: a parameter missing from the file, a tensor the
    /// model does not have, or a shape that differs is an error naming it, and nothing is
    /// changed unless everything matches. A NaN or infinite value is an error too (a model
    /// saved after its training diverged), naming the tensor and the index. An optimiser's
    /// state in the file (tensors named `optimizer.…`, see ``save(to:optimizer:metadata:force:)``)
    /// is ignored.
    public func load(from path: String) throws {
        let file = try SafeTensorsFile.read(path)
        let named = fileTensors
        var values: [[Scalar]] = []
        for (name, kind, p, _) in named {
            guard let e = file.entry(named: name) else {
                let names = file.entries.map(\.name).sorted()
                let shown = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", … (\(names.count) in all)" : "")
                throw SafeTensorsError("\(path): no tensor '\(name)' (the file has \(shown))")
            }
            guard e.shape == p.shape else {
                throw SafeTensorsError("\(path): tensor '\(name)' has shape \(e.shape), the model's \(kind) has shape \(p.shape)")
            }
            let v = try file.doubles(e)
            if let i = ScalarArrays.firstNonFinite(doubles: v) {
                throw SafeTensorsError("\(path): tensor '\(name)' holds \(v[i]) at index \(i); parameters must be finite")
            }
            // Narrowing F64 to Float turns values beyond Float's range into ±∞.
            if let i = ScalarArrays.firstBeyondRange(v, as: Scalar.self) {
                throw SafeTensorsError("\(path): tensor '\(name)' holds \(v[i]) at index \(i), beyond the range of \(Scalar.self) (±\(Scalar.greatestFiniteMagnitude)); parameters must be finite")
            }
            values.append(ScalarArrays.scalars(v, as: Scalar.self))
        }
        let known = Set(named.map(\.name))
        if let extra = file.entries.first(where: { !known.contains($0.name) && !$0.name.hasPrefix(optimizerTensorPrefix) }) {
            throw SafeTensorsError("\(path): tensor '\(extra.name)' matches no parameter of the model (\(named.map(\.name).joined(separator: ", ")))")
        }
        for ((_, _, p, assign), v) in zip(named, values) {
            assign(Tensor(shape: p.shape, scalars: v))
        }
    }
}

/// Crash-safe file replacement: write a temporary file, flush it, rename it over the target.
public enum AtomicFile {
    /// Called after each chunk is written, with the number of bytes written so far (tests
    /// use it to kill the writer mid-write). Not for production use.
    nonisolated(unsafe) static var testHookAfterChunk: ((Int) -> Void)?

    /// Replaces `path` with `bytes` atomically, after ``checkDestination(_:force:forceHint:)``
    /// (a symbolic link or a read-only file only with `force`). The temporary file is
    /// `DIRECTORY/.NAME.tmp-PID-RANDOM`; those of `path` left by a killed process are
    /// removed first, and SIGINT, SIGTERM or SIGHUP during the write removes it. A
    /// replaced regular file keeps its permission bits.
    public static func write(_ bytes: [UInt8], to path: String, force: Bool = false) throws {
        try checkDestination(path, force: force)
        removeStaleTemporaries(of: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let temporary = temporaryName(for: path)
        var old = stat()
        let keptMode: mode_t? = lstat(path, &old) == 0 && old.st_mode & S_IFMT == S_IFREG ? old.st_mode & 0o7777 : nil
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw SafeTensorsError("\(path): cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        if let keptMode { _ = fchmod(fd, keptMode) }
        // Removed by a signal handler if the process is interrupted (see TemporaryCleanup).
        let slot = TemporaryCleanup.register(temporary)
        var ok = false
        defer {
            if !ok { unlink(temporary) }
            if let slot { TemporaryCleanup.unregister(slot) }
        }
        let chunk = 1 << 16
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Swift.min(chunk, raw.count - written)
                let r = Glibc.write(fd, raw.baseAddress! + written, n)
                if r < 0 {
                    if errno == EINTR { continue }
                    let message = String(cString: strerror(errno))
                    close(fd)
                    throw SafeTensorsError("\(path): writing failed after \(written) bytes: \(message)")
                }
                written += r
                testHookAfterChunk?(written)
            }
        }
        guard fsync(fd) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw SafeTensorsError("\(path): flushing to disk failed: \(message)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            throw SafeTensorsError("\(path): cannot replace the file: \(String(cString: strerror(errno)))")
        }
        ok = true
        let dirfd = open(directory, O_RDONLY)
        if dirfd >= 0 { _ = fsync(dirfd); close(dirfd) }
    }
}
