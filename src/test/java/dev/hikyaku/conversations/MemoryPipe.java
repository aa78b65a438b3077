package dev.hikyaku.conversations;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** One direction of an in-memory connection: a byte queue with blocking, timed reads. */
final class MemoryPipe {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private byte[] bytes = new byte[4096];
  private int start;
  private int end;
  private boolean isClosed;

  void write(byte[] data, int offset, int length) throws IOException {
    lock.lock();
    try {
      if (isClosed) {
        throw new IOException("pipe closed");
      }
      if (end + length > bytes.length) {
        int live = end - start;
        byte[] grown = new byte[Math.max(bytes.length, (live + length) * 2)];
        System.arraycopy(bytes, start, grown, 0, live);
        bytes = grown;
        start = 0;
        end = live;
      }
      System.arraycopy(data, offset, bytes, end, length);
      end += length;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Blocks up to {@code timeout} (zero: forever); -1 at end of stream. */
  int read(byte[] into, int offset, int length, Duration timeout) throws IOException {
    lock.lock();
    try {
      long nanos = timeout.isZero() ? Long.MAX_VALUE : timeout.toNanos();
      while (start == end && !isClosed) {
        if (nanos <= 0) {
          throw new SocketTimeoutException("read timed out");
        }
        try {
          nanos = readable.awaitNanos(Math.min(nanos, TimeUnit.SECONDS.toNanos(3600)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new EOFException("interrupted");
        }
      }
      if (start == end) {
        return -1;
      }
      int n = Math.min(length, end - start);
      System.arraycopy(bytes, start, into, offset, n);
      start += n;
      return n;
    } finally {
      lock.unlock();
    }
  }

  void close() {
    lock.lock();
    try {
      isClosed = true;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "MemoryPipe" + Arrays.toString(Arrays.copyOfRange(bytes, start, end));
  }
}
