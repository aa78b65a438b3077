package dev.hikyaku.api;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.store.ApiKey;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides who a bearer token speaks for. The app backs it with the store's API keys; {@link
 * #NONE_VALID} (every request 401) is for an API without a store, as in tests.
 */
@FunctionalInterface
public interface ApiKeyCheck {

  /** No token is a valid key. */
  ApiKeyCheck NONE_VALID = (token, client) -> new Verdict.Invalid();

  /**
   * What {@code token} is worth from {@code client}. Never throws for client input.
   *
   * @param token the text after {@code Bearer }, never empty; never to be logged
   * @param client the address the request came from, for the key's allow-list
   */
  Verdict check(String token, InetAddress client);

  /**
   * The caller a valid key speaks for: the key's name, its account, what it may do, and what it
   * narrows the account to (as SMTP AUTH with the same key does).
   *
   * @param senderLimits {@code local@domain} and {@code @domain}, as {@link Principal#senderLimits()}
   * @param keyLimits the key's own rate and daily quota, as {@link Principal#keyLimits()}
   * @param operator whether the caller runs the server, not only its account: an {@code admin} key
   *     of an account that is a console admin ({@code hikyaku admin add}), or such an admin signed in
   *     to the console; only an operator reaches the routes of {@link Route.Audience#OPERATOR}
   */
  record Caller(
      String keyName, String account, Set<ApiKey.Scope> scopes, List<String> senderLimits, ApiKey.Limits keyLimits,
      boolean operator) {

    public Caller {
      Objects.requireNonNull(keyName, "keyName");
      Objects.requireNonNull(account, "account");
      scopes = Set.copyOf(scopes);
      senderLimits = List.copyOf(senderLimits);
      Objects.requireNonNull(keyLimits, "keyLimits");
    }

    /** A caller that speaks for its account alone. */
    public Caller(String keyName, String account, Set<ApiKey.Scope> scopes, List<String> senderLimits, ApiKey.Limits keyLimits) {
      this(keyName, account, scopes, senderLimits, keyLimits, false);
    }

    public boolean hasScope(ApiKey.Scope scope) {
      return scopes.contains(scope);
    }

    /** Who the policy sees: the same principal as an SMTP AUTH with this key, so both doors share limits. */
    public Principal principal() {
      return new Principal(account, Optional.of(keyName), senderLimits, keyLimits);
    }
  }

  /** The answer for one token. */
  sealed interface Verdict {

    /** An active key, used from where it may be: the request goes on as {@code caller}. */
    record Valid(Caller caller) implements Verdict {
      public Valid {
        Objects.requireNonNull(caller, "caller");
      }
    }

    /** Unknown, revoked, or its account disabled: 401 {@code invalid_token}. */
    record Invalid() implements Verdict {}

    /** A valid key whose allow-list excludes the client: 403. */
    record NotAllowedFrom() implements Verdict {}

    /** The store could not say: 503, the client may retry. */
    record Unavailable() implements Verdict {}
  }
}
