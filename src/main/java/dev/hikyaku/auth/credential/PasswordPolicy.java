package dev.hikyaku.auth.credential;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The rules a new password must meet when an admin or a user sets one. Chosen per server by the
 * config key {@code auth.password-policy}. Checking a password at login never applies a policy: a
 * policy only gates setting one.
 *
 * <p>Both policies count characters as Unicode code points after NFKC normalisation (NIST SP
 * 800-63B rev. 4 §3.1.1.2 recommends normalising before hashing so that the same text typed on two
 * keyboards verifies), so "ｐａｓｓ" (full width) is "pass" and an emoji is one character. Control
 * characters are refused: they cannot be typed reliably, AUTH PLAIN cannot carry NUL (RFC 4616 §2)
 * and the PRECIS OpaqueString profile used by SASL (RFC 8265 §4.2) disallows them.
 *
 * <p>Both policies refuse the same blocklist, built from a maintained data set (see {@link
 * CommonPasswords}), the account's own name, and passwords made almost entirely of repeated characters,
 * sequences or keyboard runs (see {@link PredictableRuns}).
 *
 * <p>The password itself never appears in a problem, a log line or an exception: problems name the
 * rule, not the text that broke it.
 */
public enum PasswordPolicy {
  /**
   * NIST SP 800-63B rev. 4 §3.1.1.2: ≥ 15 characters (counted as Unicode code points after NFKC
   * normalisation), up to at least 64 allowed (we allow 256), any Unicode incl. spaces, no
   * composition rules, refuse values in a blocklist of commonly used / breached passwords and
   * dictionary words, and refuse the account name (local part or whole address) and
   * repetitive/sequential strings like "aaaaaaaaaaaaaaa" or "123456789012345".
   */
  NIST(15, false),
  /**
   * After Japan's NISC guidance: ≥ 10 characters drawing from all four of upper case, lower case,
   * digits and symbols; plus the same blocklist (and the same account-name and repetition checks,
   * which the guidance also asks users to avoid).
   */
  NISC(10, true);

  /**
   * The longest password accepted by either policy. NIST asks for at least 64; 256 leaves room for
   * passphrases while bounding the work of hashing and of the checks here.
   */
  public static final int MAX_LENGTH = 256;

  /**
   * A password with at most this many code points outside repeats, sequences and keyboard runs is
   * "repetitive or sequential": {@code aaaaaaaaaaaaaaa!} leaves one character to guess.
   */
  static final int MAX_UNPATTERNED = 3;

  /** A local part shorter than this is too likely to occur in unrelated passwords by chance. */
  static final int MIN_ACCOUNT_NAME = 3;

  private final int minLength;
  private final boolean requiresAllCharacterKinds;

  PasswordPolicy(int minLength, boolean requiresAllCharacterKinds) {
    this.minLength = minLength;
    this.requiresAllCharacterKinds = requiresAllCharacterKinds;
  }

  /**
   * @param configName {@code nist} or {@code nisc}, in any letter case
   * @return the policy, or empty for any other name
   */
  public static Optional<PasswordPolicy> parse(String configName) {
    if (configName == null) {
      return Optional.empty();
    }
    for (PasswordPolicy policy : values()) {
      if (policy.configName().equalsIgnoreCase(configName.strip())) {
        return Optional.of(policy);
      }
    }
    return Optional.empty();
  }

  /** The name used in the config file: {@code nist} or {@code nisc}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The fewest characters (code points after NFKC) this policy accepts. */
  public int minLength() {
    return minLength;
  }

  /**
   * Empty when acceptable; otherwise every problem, each a full sentence for the user (e.g. "Too
   * short: 9 characters; at least 15 are required."). Never echoes the password.
   *
   * @param password the new password; not modified and not kept (the caller wipes it)
   * @param accountAddress the account the password is for, e.g. {@code alice@example.com}
   */
  public List<String> problems(char[] password, String accountAddress) {
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(accountAddress, "accountAddress");
    String normalised = Normalizer.normalize(String.valueOf(password), Normalizer.Form.NFKC);
    List<String> problems = new ArrayList<>();

    int length = normalised.codePointCount(0, normalised.length());
    if (length < minLength) {
      problems.add(
          "Too short: %s; at least %d are required.".formatted(characters(length), minLength));
    } else if (length > MAX_LENGTH) {
      problems.add(
          "Too long: %s; at most %d are allowed.".formatted(characters(length), MAX_LENGTH));
    }
    if (normalised.codePoints().anyMatch(PasswordPolicy::isUnsendable)) {
      problems.add(
          "It contains a control character (such as a tab or a line break), which mail programs"
              + " cannot send reliably.");
    }
    if (requiresAllCharacterKinds) {
      missingKinds(normalised).ifPresent(problems::add);
    }
    if (normalised.isEmpty()) {
      return List.copyOf(problems);
    }

    String lower = normalised.toLowerCase(Locale.ROOT);
    if (containsAccountName(lower, accountAddress)) {
      problems.add("It contains your account name; choose something others cannot guess from it.");
    }
    CommonPasswords.check(lower)
        .ifPresent(
            finding ->
                problems.add(
                    switch (finding) {
                      case COMMON_PASSWORD ->
                          "It is on a list of commonly used or breached passwords.";
                      case DICTIONARY_WORD -> "It is a single dictionary word or name.";
                      case DISGUISED ->
                          "It is a commonly used password, dictionary word or name with only"
                              + " look-alike characters, reversal, or digits, symbols or spaces"
                              + " added.";
                    }));
    int unpatterned = PredictableRuns.uncovered(lower);
    if (unpatterned < length && unpatterned <= MAX_UNPATTERNED) {
      problems.add(
          "It is made (almost) entirely of repeated characters, runs of consecutive letters or"
              + " digits, or neighbouring keys on a keyboard.");
    }
    return List.copyOf(problems);
  }

  private static String characters(int count) {
    return count == 1 ? "1 character" : count + " characters";
  }

  /** C0 and C1 controls (Unicode category Cc), and UTF-16 halves without their other half. */
  private static boolean isUnsendable(int codePoint) {
    int type = Character.getType(codePoint);
    return type == Character.CONTROL || type == Character.SURROGATE;
  }

  /**
   * NISC: upper case, lower case, digits and symbols. A symbol is anything that is neither a letter
   * nor a digit (punctuation, space, emoji). Letters without case (kana, kanji) count as letters
   * but satisfy neither case.
   */
  private static Optional<String> missingKinds(String normalised) {
    boolean hasUpper = normalised.codePoints().anyMatch(Character::isUpperCase);
    boolean hasLower = normalised.codePoints().anyMatch(Character::isLowerCase);
    boolean hasDigit = normalised.codePoints().anyMatch(Character::isDigit);
    boolean hasSymbol =
        normalised.codePoints().anyMatch(cp -> !Character.isLetter(cp) && !Character.isDigit(cp));
    List<String> missing = new ArrayList<>();
    if (!hasUpper) {
      missing.add("upper-case letter");
    }
    if (!hasLower) {
      missing.add("lower-case letter");
    }
    if (!hasDigit) {
      missing.add("digit");
    }
    if (!hasSymbol) {
      missing.add("symbol");
    }
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "It has no "
            + String.join(" and no ", missing)
            + "; this policy requires upper-case letters, lower-case letters, digits and symbols.");
  }

  /**
   * NIST SP 800-63B rev. 4 §3.1.1.2 lists the username among the context-specific words to refuse.
   * The whole address, and the local part when it is long enough not to occur by chance, are looked
   * for anywhere in the password, also with punctuation left out of both ("john.smith" in
   * "JohnSmith-2024-xyz").
   */
  static boolean containsAccountName(String lowerPassword, String accountAddress) {
    String address =
        Normalizer.normalize(accountAddress.strip(), Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    if (address.isEmpty()) {
      return false;
    }
    if (lowerPassword.contains(address)) {
      return true;
    }
    int at = address.lastIndexOf('@');
    String localPart = at >= 0 ? address.substring(0, at) : address;
    if (localPart.codePointCount(0, localPart.length()) >= MIN_ACCOUNT_NAME
        && lowerPassword.contains(localPart)) {
      return true;
    }
    String bareLocalPart = lettersAndDigits(localPart);
    return bareLocalPart.codePointCount(0, bareLocalPart.length()) >= MIN_ACCOUNT_NAME
        && lettersAndDigits(lowerPassword).contains(bareLocalPart);
  }

  private static String lettersAndDigits(String text) {
    return text.codePoints()
        .filter(Character::isLetterOrDigit)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }
}
