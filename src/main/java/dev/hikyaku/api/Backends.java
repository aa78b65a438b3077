package dev.hikyaku.api;

import java.util.Objects;

/**
 * What the API stands on, each a seam the app backs with the store, policy and intake: who a key
 * speaks for, and the message history. {@link #NONE} answers every request as an API without a
 * store would (no key valid, no message); tests and the app replace the parts they have with the
 * {@code with} methods.
 */
public record Backends(ApiKeyCheck keys, MessageReader messages) {

  /** No key is valid and there are no messages. */
  public static final Backends NONE = new Backends(ApiKeyCheck.NONE_VALID, MessageReader.NONE);

  public Backends {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(messages, "messages");
  }

  public Backends withKeys(ApiKeyCheck keys) {
    return new Backends(keys, messages);
  }

  public Backends withMessages(MessageReader messages) {
    return new Backends(keys, messages);
  }
}
