package dev.hikyaku.store;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules for the names the account tables hold: account addresses, hosted domains, senders, app
 * password names and keyed hashes. One rule each, for the store's changes and for a caller holding
 * user input (the admin CLI), which refuses it with the reason before calling a change that would
 * throw for it.
 *
 * <p>Names are compared whole and lower-case ({@link Locale#ROOT}): the login is the account's
 * address, and a client typing {@code Alice@Example.COM} means the same account. The rules here are
 * about structure only; whether a domain is a well-formed DNS name is the caller's rule (the admin
 * CLI holds new names to the config's), so that a name kept under an older, looser rule can still
 * be named, disabled or removed.
 */
public final class Names {

  // HMAC-SHA-256 (RFC 2104, FIPS 180-4): 32 octets, 64 hex digits.
  private static final int KEYED_HASH_HEX_DIGITS = 64;

  private Names() {}

  /**
   * What is wrong with {@code address} as an account address, or empty when a change takes it:
   * {@code local@domain} (the domain after the last {@code @}) without spaces or control characters.
   */
  public static Optional<String> addressProblem(String address) {
    Objects.requireNonNull(address, "address");
    int at = address.lastIndexOf('@');
    if (at <= 0 || hasSpaceOrControl(address)) {
      return Optional.of("account address \"" + address + "\" is not local@domain without spaces");
    }
    return domainProblem(address.substring(at + 1), address);
  }

  /**
   * What is wrong with {@code domain} as a hosted domain, or empty when a change takes it: no
   * {@code @}, no dot at either end, no spaces or control characters. (Whether it is a well-formed
   * DNS name is the caller's rule: the store keeps what it is given.)
   */
  public static Optional<String> domainProblem(String domain) {
    Objects.requireNonNull(domain, "domain");
    return domainProblem(domain, domain);
  }

  /**
   * What is wrong with {@code sender} as an address an account may send as, or empty: an account
   * address by {@link #addressProblem}, or {@code @domain} by {@link #domainProblem}.
   */
  public static Optional<String> senderProblem(String sender) {
    Objects.requireNonNull(sender, "sender");
    boolean isDomain = sender.startsWith("@");
    if ((isDomain ? domainProblem(sender.substring(1)) : addressProblem(sender)).isPresent()) {
      return Optional.of("sender \"" + sender + "\" is neither local@domain nor @domain");
    }
    return Optional.empty();
  }

  /** What is wrong with {@code name} as an app password's name, or empty. */
  public static Optional<String> appPasswordNameProblem(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
      return Optional.of("app password name \"" + name + "\" is blank or has control characters");
    }
    return Optional.empty();
  }

  /** A login: {@code local@domain}, lower-cased; the domain is after the last {@code @}. */
  static String accountAddress(String address) {
    return valid(addressProblem(address), lowerCase(address));
  }

  /** The domain of a login (as {@link #accountAddress} returns it). */
  static String domainOf(String login) {
    return login.substring(login.lastIndexOf('@') + 1);
  }

  /** A hosted domain, lower-cased. */
  static String domainName(String domain) {
    return valid(domainProblem(domain), lowerCase(domain));
  }

  /** {@code local@domain} or {@code @domain}, lower-cased. */
  static String senderPattern(String sender) {
    return valid(senderProblem(sender), lowerCase(sender));
  }

  static String appPasswordName(String name) {
    return valid(appPasswordNameProblem(name), name);
  }

  /** {@code value} when there is no problem; malformed input to a change is a caller's bug. */
  static String valid(Optional<String> problem, String value) {
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
    return value;
  }

  /** A keyed hash as stored (lower-case); malformed is a caller's bug. */
  static String keyedHash(String keyedHash) {
    Objects.requireNonNull(keyedHash, "keyedHash");
    // The value is not echoed: it is derived from a secret.
    if (keyedHash.length() != KEYED_HASH_HEX_DIGITS
        || !keyedHash.chars().allMatch(Names::isHexDigit)) {
      throw new IllegalArgumentException(
          "keyed hash must be " + KEYED_HASH_HEX_DIGITS + " hex digits (HMAC-SHA-256), got "
              + keyedHash.length() + " characters");
    }
    return lowerCase(keyedHash);
  }

  static String lowerCase(String text) {
    return text.toLowerCase(Locale.ROOT);
  }

  private static Optional<String> domainProblem(String name, String input) {
    if (name.isEmpty() || name.indexOf('@') >= 0 || name.startsWith(".") || name.endsWith(".")
        || hasSpaceOrControl(name)) {
      return Optional.of("\"" + input + "\" does not name a domain");
    }
    return Optional.empty();
  }

  // ASCII only: Character.digit would also take other scripts' digits.
  private static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean hasSpaceOrControl(String text) {
    return text.chars().anyMatch(c -> c <= ' ' || Character.isISOControl(c) || Character.isWhitespace(c));
  }
}
