package dev.hikyaku.limits;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The wake-up of a background loop that polls and may be woken early (the delivery scheduler on new
 * mail, the webhook dispatcher on a new event): {@link #await} waits until the next poll, a {@link
 * #wake} or {@link #close}. A wake that comes while the loop is busy is kept, so the next wait
 * returns at once and no wake is lost. A {@code ReentrantLock}, not {@code synchronized}: virtual
 * threads block here (ARCHITECTURE.md, style).
 */
public final class WakeSignal {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signalled = lock.newCondition();
  private boolean isWoken; // guarded by lock
  private boolean isClosed; // guarded by lock

  /** Something is waiting: the loop's next {@link #await} (or the current one) returns at once. */
  public void wake() {
    lock.lock();
    try {
      isWoken = true;
      signalled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Ends every wait now and later; the loop sees {@link #isClosed}. Idempotent. */
  public void close() {
    lock.lock();
    try {
      isClosed = true;
      signalled.signalAll();
    } finally {
      lock.unlock();
    }
  }

  public boolean isClosed() {
    lock.lock();
    try {
      return isClosed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits up to {@code wait} for a wake or the close, then forgets the wake. An interrupt closes
   * the signal (the loop's thread is being stopped) and keeps the thread's interrupt status.
   */
  public void await(Duration wait) {
    lock.lock();
    try {
      long nanos = wait.toNanos();
      while (!isWoken && !isClosed && nanos > 0) {
        nanos = signalled.awaitNanos(nanos);
      }
      isWoken = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      isClosed = true;
    } finally {
      lock.unlock();
    }
  }
}
