package dev.hikyaku.store;

import java.util.Locale;
import java.util.Optional;

/**
 * What submission does when a message's From: header names an address the account may not send as
 * (RFC 6409 §8.1: a submission server may check the From field against the authenticated identity).
 */
public enum FromHeaderPolicy {
  /** Refuse the message. */
  REJECT,
  /** Accept it and add a Sender: header with the account's address (RFC 5322 §3.6.2). */
  ADD_SENDER;

  /** The name used in config files, the admin CLI and the store: {@code reject}, {@code add-sender}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The policy whose {@link #configName()} is {@code text}, ignoring case. */
  public static Optional<FromHeaderPolicy> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (FromHeaderPolicy policy : values()) {
      if (policy.configName().equalsIgnoreCase(text.strip())) {
        return Optional.of(policy);
      }
    }
    return Optional.empty();
  }
}
