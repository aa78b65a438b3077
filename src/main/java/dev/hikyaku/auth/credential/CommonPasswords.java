package dev.hikyaku.auth.credential;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import me.gosimple.nbvcxz.resources.ConfigurationBuilder;
import me.gosimple.nbvcxz.resources.Dictionary;

/**
 * The blocklist of NIST SP 800-63B rev. 4 §3.1.1.2: values known to be commonly used, expected or
 * compromised, and dictionary words. The data is nbvcxz's bundled word lists (100,000 common and
 * breached passwords, English words, the EFF long diceware list, English first names and surnames)
 * and its table of look-alike ("leet") substitutions; nothing here is typed in by hand.
 *
 * <p>The lists are read once, on first use, by the JVM's class initialisation (thread-safe without
 * a lock) and then only read. A check is a few thousand hash lookups: well under a millisecond.
 */
final class CommonPasswords {

  private CommonPasswords() {}

  /** What the blocklist found; no finding ever carries the matched text. */
  enum Finding {
    /** The whole password, in any letter case, is on the common/breached password list. */
    COMMON_PASSWORD,
    /** The whole password, in any letter case, is a dictionary word or a name. */
    DICTIONARY_WORD,
    /**
     * A listed password, word or name once padding (digits, symbols, spaces before or after),
     * look-alike substitutions ({@code p@ssw0rd}), reversal or spaces between letters are taken
     * away.
     */
    DISGUISED
  }

  /**
   * A word disguised by padding must have at least this many code points from its first letter to
   * its last: shorter letter runs ("ab" + 13 random digits) are mostly padding, and the padding is
   * judged by the pattern check, not here.
   */
  static final int MIN_DISGUISED_LETTERS = 4;

  /** A bound on the work for one window, should a newer leet table hold more ambiguous symbols. */
  private static final int MAX_LEET_READINGS = 64;

  /** nbvcxz's dictionaries that hold common or breached passwords. */
  private static final Set<String> PASSWORD_LISTS = Set.of("passwords");

  /** nbvcxz's dictionaries of words and names; each must be present, or the jar changed. */
  private static final Set<String> WORD_LISTS =
      Set.of("english", "eff_large", "male_names", "female_names", "surnames");

  /** Loaded on first use: class initialisation runs once and is safely published to all threads. */
  private static final class Lists {
    static final Set<String> PASSWORDS;
    static final Set<String> WORDS;
    static final int LONGEST;
    static final Map<Character, char[]> LEET;

    static {
      Set<String> passwords = new HashSet<>(140_000);
      Set<String> words = new HashSet<>(100_000);
      Set<String> seen = new HashSet<>();
      int longest = 0;
      for (Dictionary dictionary : ConfigurationBuilder.getDefaultDictionaries()) {
        String name = dictionary.getDictionaryName();
        Set<String> target =
            PASSWORD_LISTS.contains(name) ? passwords : WORD_LISTS.contains(name) ? words : null;
        if (target == null) {
          continue;
        }
        // nbvcxz prints and carries on with an empty map when a bundled list cannot be read; an
        // empty blocklist would pass every password, so that is a failure here.
        if (dictionary.getDictonary().isEmpty()) {
          throw new IllegalStateException("nbvcxz dictionary '" + name + "' is empty");
        }
        seen.add(name);
        for (String entry : dictionary.getDictonary().keySet()) {
          String lower = entry.strip().toLowerCase(Locale.ROOT);
          if (!lower.isEmpty()) {
            target.add(lower);
            longest = Math.max(longest, lower.length());
          }
        }
      }
      Set<String> expected = new HashSet<>(PASSWORD_LISTS);
      expected.addAll(WORD_LISTS);
      if (!seen.equals(expected)) {
        expected.removeAll(seen);
        throw new IllegalStateException("nbvcxz no longer bundles the dictionaries " + expected);
      }
      Map<Character, char[]> leet = new HashMap<>();
      ConfigurationBuilder.getDefaultLeetTable()
          .forEach(
              (symbol, letters) -> {
                char[] options = new char[letters.length];
                for (int i = 0; i < letters.length; i++) {
                  options[i] = Character.toLowerCase(letters[i]);
                }
                leet.put(symbol, options);
              });
      PASSWORDS = Set.copyOf(passwords);
      WORDS = Set.copyOf(words);
      LONGEST = longest;
      LEET = Map.copyOf(leet);
    }
  }

  /**
   * @param normalised the password after NFKC normalisation and lower-casing ({@link Locale#ROOT})
   * @return the strongest finding, or empty when the password is on no list in any disguise
   */
  static Optional<Finding> check(String normalised) {
    if (normalised.isEmpty()) {
      return Optional.empty();
    }
    if (Lists.PASSWORDS.contains(normalised)) {
      return Optional.of(Finding.COMMON_PASSWORD);
    }
    if (Lists.WORDS.contains(normalised)) {
      return Optional.of(Finding.DICTIONARY_WORD);
    }
    for (String variant : variants(normalised)) {
      if (isDisguisedListing(variant)) {
        return Optional.of(Finding.DISGUISED);
      }
    }
    return Optional.empty();
  }

  /** The password as typed, without whitespace ("pass word"), and each of those reversed. */
  private static List<String> variants(String normalised) {
    List<String> variants = new ArrayList<>(4);
    variants.add(normalised);
    String joined =
        normalised
            .codePoints()
            .filter(cp -> !Character.isWhitespace(cp))
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
            .toString();
    if (!joined.equals(normalised) && !joined.isEmpty()) {
      variants.add(joined);
    }
    for (String forward : List.copyOf(variants)) {
      variants.add(new StringBuilder(forward).reverse().toString());
    }
    return variants;
  }

  /**
   * Whether some window of {@code text} that holds every letter of it is a listed password or word,
   * as written or after look-alike substitution. Outside the window there are only non-letters: the
   * padding of "Password123!" or "!!!sunshine!!!".
   */
  private static boolean isDisguisedListing(String text) {
    int first = -1;
    int last = -1;
    for (int i = 0; i < text.length(); i++) {
      if (Character.isLetter(text.charAt(i))) {
        if (first < 0) {
          first = i;
        }
        last = i;
      }
    }
    if (first < 0 || last - first + 1 < MIN_DISGUISED_LETTERS) {
      return false;
    }
    // Windows longer than the longest listed entry cannot match; this bounds the work for a
    // 256-character password to a few hundred windows.
    for (int start = 0; start <= first; start++) {
      for (int end = last + 1; end <= text.length() && end - start <= Lists.LONGEST; end++) {
        String window = text.substring(start, end);
        if (isListed(window) || isListedAfterLeet(window)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isListed(String candidate) {
    return Lists.PASSWORDS.contains(candidate) || Lists.WORDS.contains(candidate);
  }

  /**
   * Every reading of the look-alike characters in {@code window} ("1" is i or l, "@" is a). Each
   * symbol reads the same way throughout one reading, as in zxcvbn; the table has four ambiguous
   * symbols at most, so there are at most 16 readings.
   */
  private static boolean isListedAfterLeet(String window) {
    List<Character> symbols = new ArrayList<>();
    for (int i = 0; i < window.length(); i++) {
      char c = window.charAt(i);
      if (Lists.LEET.containsKey(c) && !symbols.contains(c)) {
        symbols.add(c);
      }
    }
    if (symbols.isEmpty()) {
      return false;
    }
    int readings = 1;
    for (char symbol : symbols) {
      readings = Math.min(MAX_LEET_READINGS, readings * Lists.LEET.get(symbol).length);
    }
    Map<Character, Character> reading = new HashMap<>();
    char[] decoded = new char[window.length()];
    for (int n = 0; n < readings; n++) {
      int rest = n;
      for (char symbol : symbols) {
        char[] options = Lists.LEET.get(symbol);
        reading.put(symbol, options[rest % options.length]);
        rest /= options.length;
      }
      for (int i = 0; i < window.length(); i++) {
        decoded[i] = reading.getOrDefault(window.charAt(i), window.charAt(i));
      }
      if (isListed(new String(decoded))) {
        return true;
      }
    }
    return false;
  }
}
