package dev.hikyaku.intake;

/** The message could not be made durable; the client must be told to try again (4xx). */
public final class IntakeException extends Exception {

  private final boolean isStorageFull;

  public IntakeException(String message, boolean isStorageFull, Throwable cause) {
    super(message, cause);
    this.isStorageFull = isStorageFull;
  }

  /** The disk or database is full (RFC 3463 X.3.1), as opposed to any other local failure. */
  public boolean isStorageFull() {
    return isStorageFull;
  }
}
