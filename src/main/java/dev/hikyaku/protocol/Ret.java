package dev.hikyaku.protocol;

/** RFC 3461 §4.3 {@code RET=}: what a DSN for this message returns of it. */
public enum Ret {
  /** The whole message. */
  FULL,
  /** Only its header section. */
  HDRS
}
