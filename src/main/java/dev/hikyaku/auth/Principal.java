package dev.hikyaku.auth;

import dev.hikyaku.store.ApiKey;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An authenticated identity: the account a client proved it holds, and, when it proved it with an
 * API key, that key's name, the senders it narrows the account to and its own sending limits. The
 * same principal comes from SMTP AUTH with a key and from the HTTP API's bearer token, so both doors
 * meet the same policy.
 *
 * @param account the account's login name (its address)
 * @param apiKey the name of the API key used, if one was
 * @param senderLimits {@code local@domain} and {@code @domain} values, lower-case; empty for no
 *     narrowing beyond what the account may send as
 * @param keyLimits the key's own rate and daily quota, counted per key name; {@link
 *     ApiKey.Limits#NONE} without a key
 */
public record Principal(String account, Optional<String> apiKey, List<String> senderLimits, ApiKey.Limits keyLimits) {

  public Principal {
    if (account == null || account.isBlank()) {
      throw new IllegalArgumentException("a principal names an account");
    }
    Objects.requireNonNull(apiKey, "apiKey");
    senderLimits = List.copyOf(senderLimits);
    Objects.requireNonNull(keyLimits, "keyLimits");
    // Key limits are counted under the key's name: without a key there is nothing to count them by.
    if (apiKey.isEmpty() && !keyLimits.equals(ApiKey.Limits.NONE)) {
      throw new IllegalArgumentException("key limits without an API key");
    }
  }

  /** An account that authenticated with one of its own credentials: no narrowing. */
  public Principal(String account) {
    this(account, Optional.empty(), List.of(), ApiKey.Limits.NONE);
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
