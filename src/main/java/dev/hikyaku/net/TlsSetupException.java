package dev.hikyaku.net;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A certificate or private key file that cannot be turned into a TLS server context. The message names
 * the file and the problem so an operator can fix it without a debugger.
 *
 * <p>Never carries key material: problems with a private key file are described in our own words and
 * the parser's exception is not attached as a cause, because parser messages may quote the input.
 */
public final class TlsSetupException extends Exception {

  private final transient Path file;

  /** A problem with {@code file}, described by {@code problem} (which must not quote key material). */
  public TlsSetupException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = Objects.requireNonNull(file, "file");
  }

  /**
   * A problem with a public file (a certificate), keeping the cause for the stack trace. Never use this
   * for private key files.
   */
  public TlsSetupException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = Objects.requireNonNull(file, "file");
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }
}
