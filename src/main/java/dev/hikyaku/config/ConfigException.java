package dev.hikyaku.config;

import java.util.Objects;

/**
 * A configuration that cannot be used. The message always starts with the key path of the offending
 * value and ends with where it came from, so an operator can go straight to the line: {@code
 * listeners[1].port: must be 1..65535, was 70000 (in /etc/hikyaku.yaml, line 9)}.
 *
 * <p>Messages quote the offending value. No key of this configuration holds a secret (certificate
 * and key are given as paths, and their files are never read here), so quoting is safe.
 */
public final class ConfigException extends Exception {

  /** Key path used for problems with the document as a whole (syntax, not a mapping). */
  static final String TOP_LEVEL = "(top level)";

  /** The key path as shown: the empty path (the document itself) becomes {@link #TOP_LEVEL}. */
  static String display(String keyPath) {
    return keyPath.isEmpty() ? TOP_LEVEL : keyPath;
  }

  private final String keyPath;
  private final String problem;

  /**
   * @param keyPath where the problem is, e.g. {@code limits.max-recipients} or {@code listeners[1]}
   * @param problem what is wrong, naming the value found and what is expected
   * @param sourceName where the configuration came from: a file path or {@code command line}
   * @param line 1-based line in the source, or 0 when the value has no line (defaults, cross-key
   *     rules)
   */
  ConfigException(String keyPath, String problem, String sourceName, int line) {
    super(
        keyPath + ": " + problem + " (in " + sourceName + (line > 0 ? ", line " + line : "") + ")");
    this.keyPath = Objects.requireNonNull(keyPath);
    this.problem = Objects.requireNonNull(problem);
  }

  /** The key path the message starts with, e.g. {@code listeners[1].port}. */
  public String keyPath() {
    return keyPath;
  }

  /** What is wrong, without the key path and source. */
  public String problem() {
    return problem;
  }
}
