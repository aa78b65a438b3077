package dev.hikyaku.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Starting and stopping the filters the content checks talk to (rspamd, clamd) in a test. */
final class Daemons {

  private Daemons() {}

  /**
   * Waits until {@code process} accepts on 127.0.0.1:{@code port}; fails with its log when it exits
   * or does not within {@code patience} (and then stops it).
   */
  static void awaitListening(String name, Process process, int port, Duration patience, Supplier<String> log) throws Exception {
    Instant deadline = Instant.now().plus(patience);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ": " + log.get());
      }
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    stop(process);
    throw new IllegalStateException(name + " did not listen on " + port + " within " + patience.toSeconds() + " s: " + log.get());
  }

  /** SIGTERM, then SIGKILL after 10 s; the workers it forked too. */
  static void stop(Process process) throws InterruptedException {
    var workers = process.descendants().toList();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    workers.forEach(ProcessHandle::destroyForcibly);
  }
}
