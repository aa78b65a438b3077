package dev.hikyaku.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The signing secrets of a webhook endpoint ({@code whsec_...}, Standard Webhooks 1.0): the current
 * one, and during the overlap after a rotation the one before it. Never logged: {@link #toString}
 * says only how many there are.
 */
public record WebhookSecrets(String current, Optional<String> previous, Optional<Instant> previousExpiresAt) {

  public WebhookSecrets {
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(previous, "previous");
    Objects.requireNonNull(previousExpiresAt, "previousExpiresAt");
  }

  /** The secrets that sign at {@code now}: the current one first, then the previous one until it expires. */
  public List<String> signingAt(Instant now) {
    List<String> signing = new ArrayList<>(2);
    signing.add(current);
    if (previous.isPresent() && previousExpiresAt.isPresent() && now.isBefore(previousExpiresAt.get())) {
      signing.add(previous.get());
    }
    return List.copyOf(signing);
  }

  @Override
  public String toString() {
    return "WebhookSecrets[" + (previous.isPresent() ? "current and previous" : "current") + "]";
  }
}
