package dev.hikyaku.session;

import dev.hikyaku.net.Transport;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Graceful shutdown's hold on one session: whether shutdown has begun, and whether the session is
 * waiting for a command (and may be stopped at once). A {@link ReentrantLock}, not {@code
 * synchronized}: the session's virtual thread blocks here.
 */
final class DrainLatch {

  private final ReentrantLock lock = new ReentrantLock();
  private final Transport transport;
  private boolean isDraining;
  private boolean isAwaitingCommand;

  DrainLatch(Transport transport) {
    this.transport = transport;
  }

  /** Before waiting for a command: false if shutdown has begun and the session should say 421. */
  boolean awaitCommand() {
    lock.lock();
    try {
      if (isDraining) {
        return false;
      }
      isAwaitingCommand = true;
      return true;
    } finally {
      lock.unlock();
    }
  }

  void commandArrived() {
    lock.lock();
    try {
      isAwaitingCommand = false;
    } finally {
      lock.unlock();
    }
  }

  boolean isDraining() {
    lock.lock();
    try {
      return isDraining;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Begins shutdown: a session waiting for a command has its read stopped at once (it ends and
   * answers 421 4.3.2); one in the middle of a command or message ends after it.
   */
  void drain() throws IOException {
    lock.lock();
    try {
      isDraining = true;
      if (isAwaitingCommand) {
        transport.stopReading();
      }
    } finally {
      lock.unlock();
    }
  }
}
