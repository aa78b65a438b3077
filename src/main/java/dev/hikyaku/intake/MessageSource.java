package dev.hikyaku.intake;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsFacts;
import java.net.InetSocketAddress;
import java.util.Optional;

/** Where a message came from; decides the trace header and which fix-ups apply. */
public sealed interface MessageSource {

  String describe();

  /** An SMTP session on one of the listeners. */
  record Smtp(
      String sessionId,
      String listener,
      ListenerRole role,
      InetSocketAddress client,
      String heloName,
      boolean isEsmtp,
      Optional<TlsFacts> tls,
      Optional<Principal> principal)
      implements MessageSource {

    @Override
    public String describe() {
      return "smtp:" + listener;
    }
  }

  /** A delivery status notification (RFC 3464) this server wrote; queued with the null sender. */
  record Bounce(String reportingMta) implements MessageSource {
    @Override
    public String describe() {
      return "bounce";
    }
  }
}
