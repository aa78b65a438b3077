package dev.hikyaku.intake;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.TlsFacts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/** Where a message came from; decides the trace header and which fix-ups apply. */
public sealed interface MessageSource {

  String describe();

  /** The account the message is sent as, when an account sent it (SMTP AUTH or an API key). */
  default Optional<String> account() {
    return switch (this) {
      case Smtp smtp -> smtp.principal().map(Principal::account);
      case Api api -> Optional.of(api.principal().account());
      case Local local -> Optional.empty();
      case Bounce bounce -> Optional.empty();
    };
  }

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

  /**
   * A request to the HTTP API, authenticated with an API key: submission as over SMTP AUTH (RFC 6409),
   * with the key's principal.
   *
   * @param principal the account the key acts for, with the key's name and limits
   * @param client the address the request came from
   * @param isTls whether it came over HTTPS (the protocol and suite are not known to the API)
   */
  record Api(Principal principal, InetAddress client, boolean isTls) implements MessageSource {

    public Api {
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(client, "client");
      if (principal.apiKey().isEmpty()) {
        throw new IllegalArgumentException("a message from the API is sent with an API key");
      }
    }

    /** The name of the API key the request was made with. */
    public String keyName() {
      return principal.apiKey().orElseThrow();
    }

    @Override
    public String describe() {
      return "api";
    }
  }

  /**
   * A message a program on this machine handed to {@code hikyaku sendmail} (cron, PHP's mail(),
   * monitoring tools): submission as by a local user, who is trusted as Postfix's sendmail trusts
   * one: no account, no From ownership; the fix-ups and DKIM signing of submission apply.
   *
   * @param user the invoking Unix user's name
   */
  record Local(String user) implements MessageSource {
    public Local {
      Objects.requireNonNull(user, "user");
    }

    @Override
    public String describe() {
      return "sendmail";
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
