package dev.hikyaku.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The one watchdog behind every write and handshake deadline ({@link SocketDeadline}): a write into a
 * peer that never reads is cut off, and nothing stays watched once a socket is closed.
 */
class SocketDeadlineTest {

  private static final Duration LIMIT = Duration.ofMillis(300);
  // A generous upper bound (a loaded CI machine): the watchdog itself is late by at most one tick.
  private static final Duration SLACK = Duration.ofSeconds(3);

  @Test
  void aWriteIntoAPeerThatNeverReadsIsCutOffAfterTheLimit() throws Exception {
    try (var listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        var socket = new Socket()) {
      socket.setSendBufferSize(8192);
      socket.connect(listener.getLocalSocketAddress());
      try (Socket peer = listener.accept()) { // never reads
        var out = new DeadlineOutputStream(socket.getOutputStream(), socket, LIMIT);
        byte[] chunk = new byte[64 * 1024];
        long started = System.nanoTime();
        assertThatThrownBy(() -> {
              while (true) {
                out.write(chunk, 0, chunk.length);
              }
            })
            .isInstanceOf(SocketTimeoutException.class)
            .hasMessage("a write did not finish within " + LIMIT);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).isGreaterThanOrEqualTo(LIMIT).isLessThan(LIMIT.plusMillis(100).plus(SLACK));
        assertThat(socket.isClosed()).as("closed by the watchdog").isTrue();
        assertThat(SocketDeadline.isWatched(socket)).as("dropped once it expired").isFalse();
      }
    }
  }

  @Test
  void aThousandCompletedWritesLeaveNoCallInProgressAndCloseEndsTheWatch() throws Exception {
    try (var socket = new Socket()) {
      var out = new DeadlineOutputStream(OutputStream.nullOutputStream(), socket, LIMIT);
      byte[] reply = "250 2.0.0 Ok\r\n".getBytes();
      for (int i = 0; i < 1000; i++) {
        out.write(reply, 0, reply.length);
      }
      assertThat(SocketDeadline.isBusy(socket)).as("no deadline left armed").isFalse();
      assertThat(SocketDeadline.isWatched(socket)).as("one guard for the socket, until closed").isTrue();
      out.close();
      assertThat(SocketDeadline.isWatched(socket)).isFalse();
      assertThat(socket.isClosed()).as("a completed write never closes the socket").isFalse();
    }
  }

  @Test
  void aSocketClosedByItsOwnerIsDroppedWithoutClosingTheStream() throws Exception {
    var socket = new Socket();
    var out = new DeadlineOutputStream(OutputStream.nullOutputStream(), socket, LIMIT);
    out.write(1);
    socket.close();
    await().atMost(SLACK).until(() -> !SocketDeadline.isWatched(socket));
  }

  @Test
  void aOneOffCallReportsItsOwnFailureWhenNoDeadlinePassed() throws Exception {
    try (var socket = new Socket()) {
      var failure = new java.io.IOException("broken pipe");
      assertThatThrownBy(() -> SocketDeadline.bound(socket, LIMIT, "TLS close", () -> {
            throw failure;
          }))
          .isSameAs(failure);
      assertThat(SocketDeadline.isWatched(socket)).isFalse();
      assertThat(socket.isClosed()).isFalse();
    }
  }
}
