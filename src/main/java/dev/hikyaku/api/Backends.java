package dev.hikyaku.api;

import java.util.Objects;

/**
 * What the API stands on, each a seam the app backs with the store, policy and intake: who a key
 * speaks for, the message history, the accounts' event feeds and the suppression list. {@link #NONE}
 * answers every request as an API without a store would (no key valid, no message, no event, no
 * suppression); tests and the app replace the parts they have with the {@code with} methods.
 */
public record Backends(ApiKeyCheck keys, MessageReader messages, EventFeed events, SuppressionList suppressions) {

  /** No key is valid and there are no messages, events or suppressions. */
  public static final Backends NONE =
      new Backends(ApiKeyCheck.NONE_VALID, MessageReader.NONE, EventFeed.NONE, SuppressionList.NONE);

  public Backends {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(messages, "messages");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(suppressions, "suppressions");
  }

  public Backends withKeys(ApiKeyCheck keys) {
    return new Backends(keys, messages, events, suppressions);
  }

  public Backends withMessages(MessageReader messages) {
    return new Backends(keys, messages, events, suppressions);
  }

  public Backends withEvents(EventFeed events) {
    return new Backends(keys, messages, events, suppressions);
  }

  public Backends withSuppressions(SuppressionList suppressions) {
    return new Backends(keys, messages, events, suppressions);
  }
}
