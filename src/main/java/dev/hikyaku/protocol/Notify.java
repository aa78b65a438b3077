package dev.hikyaku.protocol;

/**
 * RFC 3461 §4.1 {@code NOTIFY=} keywords: when the sender wants a DSN for a recipient. {@link #NEVER}
 * stands alone; the others combine.
 */
public enum Notify {
  NEVER,
  SUCCESS,
  FAILURE,
  DELAY
}
