package dev.hikyaku.delivery;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where mail for one domain goes instead of its MX hosts (as Postfix's transport map). Consulted
 * before the smarthost and MX: a hosted domain's MX is this server, so only a route gets its mail to
 * a mailbox.
 */
public sealed interface Route {

  /**
   * SMTP to a fixed next hop, under {@code tls}, with AUTH when {@code credentials} are given (sent
   * only over TLS, see {@link OutboundSession}).
   */
  record Smtp(String host, int port, TlsPolicy tls, Optional<SmtpCredentials> credentials) implements Route {
    public Smtp {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(credentials, "credentials");
      checkPort(port);
    }

    /** Without credentials. */
    public Smtp(String host, int port, TlsPolicy tls) {
      this(host, port, tls, Optional.empty());
    }
  }

  /** LMTP (RFC 2033) to a mailbox server on a trusted network or loopback: plaintext, no AUTH. */
  record Lmtp(String host, int port) implements Route {
    public Lmtp {
      Objects.requireNonNull(host, "host");
      checkPort(port);
    }
  }

  /** Final delivery into {@code directory/<local-part>/} as a Maildir ({@link MaildirDelivery}). */
  record Maildir(Path directory) implements Route {
    public Maildir {
      Objects.requireNonNull(directory, "directory");
    }
  }

  /**
   * The returns domain: its mail is read as reports about mail we sent ({@link ReturnsMailbox}), not
   * filed in a mailbox nor sent on.
   */
  record Returns(ReturnsMailbox mailbox) implements Route {
    public Returns {
      Objects.requireNonNull(mailbox, "mailbox");
    }
  }

  private static void checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1..65535, was " + port);
    }
  }
}
