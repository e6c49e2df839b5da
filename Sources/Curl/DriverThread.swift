import CLinux
import Glibc

/// Starts detached POSIX threads: what `Foundation.Thread` did for the drivers, without linking Foundation.
public enum DriverThread {
    /// Runs `body` on a new detached thread named `name` (Linux keeps the first 15 bytes).
    /// - Precondition: the system can create a thread; failing that is not recoverable for a driver.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { argument in
                let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
                _ = pthread_setname_np(pthread_self(), String(decoding: body.name.utf8.prefix(15), as: UTF8.self))
                body.run()
                return nil
            }, box)
        precondition(status == 0, "pthread_create failed with error \(status)")
        pthread_detach(thread)
    }

    private final class Body: Sendable {
        let name: String
        let run: @Sendable () -> Void

        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }
}
