package dev.hikyaku.net;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP, the Unix convention for "re-read your files" (as nginx and Postfix do). The JDK has no public
 * signal API; {@code sun.misc.Signal} lives in module {@code jdk.unsupported}, which every standard JDK
 * image exports. All use of it stays in this class so a runtime without it fails here, with a WARN, and
 * nowhere else.
 *
 * <p>The OS handler is installed once per process; the action it runs can be replaced, so a new
 * {@link TlsContexts} (after a restart of the wiring, or in tests) takes over the signal.
 */
final class HangupSignal {

  private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);

  private static final AtomicBoolean isInstalled = new AtomicBoolean();
  private static final AtomicReference<Runnable> action = new AtomicReference<>();

  private HangupSignal() {}

  /**
   * Makes SIGHUP run {@code onHangup}. Returns whether the signal is handled; false (after a WARN)
   * where the platform or the JVM's flags (-Xrs) do not allow it.
   */
  static boolean runOnHangup(Runnable onHangup) {
    action.set(onHangup);
    if (isInstalled.get()) {
      return true;
    }
    try {
      installHandler();
      isInstalled.set(true);
      return true;
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      // Windows has no SIGHUP; -Xrs or another library may own it; a jlink image may lack the module.
      action.set(null);
      LOG.warn(
          "Cannot handle SIGHUP here ({}); reload TLS certificates by restarting or with the file"
              + " watcher",
          e.toString());
      return false;
    }
  }

  /** Whether the OS handler is in place (so a SIGHUP will not end the JVM); for tests. */
  static boolean isHandlerInstalled() {
    return isInstalled.get();
  }

  /** Stops running {@code onHangup} if it is still the action; the OS handler stays and does nothing. */
  static void forget(Runnable onHangup) {
    action.compareAndSet(onHangup, null);
  }

  private static void installHandler() {
    sun.misc.SignalHandler before = sun.misc.Signal.handle(
        new sun.misc.Signal("HUP"),
        signal -> {
          Runnable current = action.get();
          if (current != null) {
            LOG.info("SIGHUP received: reloading TLS certificates");
            current.run();
          }
        });
    if (before == sun.misc.SignalHandler.SIG_IGN) {
      // HotSpot leaves HUP, INT and TERM alone when the process started with them ignored, and says
      // so only by handing back SIG_IGN: our handler is not in place, and a kill -HUP does nothing.
      throw new UnsupportedOperationException(
          "SIGHUP is ignored in this process: it was started with SIGHUP ignored (nohup?)");
    }
  }
}
