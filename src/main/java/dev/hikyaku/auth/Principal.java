package dev.hikyaku.auth;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An authenticated identity: the account a client proved it holds, and, when it proved it with an
 * API key, that key's name and the senders it narrows the account to.
 *
 * @param account the account's login name (its address)
 * @param apiKey the name of the API key used, if one was
 * @param senderLimits {@code local@domain} and {@code @domain} values, lower-case; empty for no
 *     narrowing beyond what the account may send as
 */
public record Principal(String account, Optional<String> apiKey, List<String> senderLimits) {

  public Principal {
    if (account == null || account.isBlank()) {
      throw new IllegalArgumentException("a principal names an account");
    }
    Objects.requireNonNull(apiKey, "apiKey");
    senderLimits = List.copyOf(senderLimits);
  }

  /** An account that authenticated with one of its own credentials: no narrowing. */
  public Principal(String account) {
    this(account, Optional.empty(), List.of());
  }

  /**
   * Whether {@code address} is within the key's sender limits (an exact address or its {@code
   * @domain}, compared lower-case); always true without limits. The account's own ownership rules
   * apply as well: this only narrows them.
   */
  public boolean isWithinSenderLimits(String address) {
    if (senderLimits.isEmpty()) {
      return true;
    }
    String wanted = address.toLowerCase(Locale.ROOT);
    int at = wanted.lastIndexOf('@');
    return senderLimits.contains(wanted) || (at > 0 && senderLimits.contains(wanted.substring(at)));
  }
}
