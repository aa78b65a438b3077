package dev.hikyaku.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a sending application attached to a message for its own use (API.md §2): tags to find it by
 * and metadata to recognise it by. Kept in the message history with the message and shown back by
 * the API; they never go into the message itself.
 *
 * @param tags in the order given
 * @param metadata names to values, in the order given
 */
public record Annotations(List<String> tags, Map<String, String> metadata) {

  /** A message without any (every message sent over SMTP). */
  public static final Annotations NONE = new Annotations(List.of(), Map.of());

  public Annotations {
    tags = List.copyOf(tags);
    Objects.requireNonNull(metadata, "metadata");
    // Map.copyOf would lose the order; the history keeps it.
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    metadata.forEach((name, value) -> {
      Objects.requireNonNull(name, "metadata name");
      Objects.requireNonNull(value, "metadata value");
    });
  }

  public boolean isEmpty() {
    return tags.isEmpty() && metadata.isEmpty();
  }
}
