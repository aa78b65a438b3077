package dev.hikyaku.metrics;

import java.util.Objects;

/** What one health check found. */
public sealed interface Health {

  record Up() implements Health {}

  /** {@code reason} is for the operator's log; {@code /health} shows only "DOWN". */
  record Down(String reason) implements Health {
    public Down {
      Objects.requireNonNull(reason, "reason");
    }
  }

  static Health up() {
    return new Up();
  }

  static Health down(String reason) {
    return new Down(reason);
  }

  default boolean isUp() {
    return this instanceof Up;
  }
}
