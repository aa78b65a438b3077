package dev.hikyaku.api;

/**
 * A seam's backing store could not answer now: the route answers 503 and the client may retry. The
 * message is for the log, never for the client.
 */
public final class Unavailable extends Exception {
  public Unavailable(String message, Throwable cause) {
    super(message, cause);
  }
}
