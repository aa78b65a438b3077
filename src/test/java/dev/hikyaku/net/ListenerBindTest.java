package dev.hikyaku.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A port that cannot be bound fails start-up with a message that says how to fix it. */
class ListenerBindTest {

  private final ConnectionPermits permits = new ConnectionPermits(10, 10);

  @Test
  void aPortInUseNamesTheListenerAndTheWayOut() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket taken = new ServerSocket(0, 1, loopback)) {
      assertThatThrownBy(
              () -> Listener.bind("submission", ListenerRole.SUBMISSION, loopback, taken.getLocalPort(), permits, (r, c) -> new byte[0], (s, p) -> {}))
          .isInstanceOf(Listener.BindFailure.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (listener 'submission', role submission)")
          .hasMessageContaining("Another process holds this port")
          .hasMessageContaining("--ports");
    }
  }

  @Test
  void aPrivilegedPortExplainsRootCapabilityAndPortsOverride() {
    // What the JDK throws for bind(25) without CAP_NET_BIND_SERVICE (seen running as nobody).
    Listener.BindFailure failure =
        Listener.BindFailure.of("relay", ListenerRole.RELAY, InetAddress.getLoopbackAddress(), 25, new BindException("Permission denied"));
    assertThat(failure.getMessage())
        .startsWith("cannot listen on 127.0.0.1:25 (listener 'relay', role relay): Permission denied.")
        .contains("hikyaku serve --ports relay=2525,submission=2587,submissions=2465")
        .contains("listeners[].port")
        .contains("setcap cap_net_bind_service=+ep");
  }
}
