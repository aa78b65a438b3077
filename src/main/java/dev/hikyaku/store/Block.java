package dev.hikyaku.store;

import java.time.Instant;

/** A temporary refusal of a client address, network, or account-from-network, until {@code until}. */
public record Block(String scope, String subject, Instant until, String reason, Instant createdAt) {

  public boolean isActiveAt(Instant now) {
    return now.isBefore(until);
  }
}
