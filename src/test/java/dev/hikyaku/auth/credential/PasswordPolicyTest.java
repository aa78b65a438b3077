package dev.hikyaku.auth.credential;

import static dev.hikyaku.auth.credential.PasswordPolicy.NISC;
import static dev.hikyaku.auth.credential.PasswordPolicy.NIST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PasswordPolicyTest {

  private static final String ACCOUNT = "alice@example.com";

  /** The problems, after checking that none of them repeats the password or a part of it. */
  private static List<String> problems(PasswordPolicy policy, String password) {
    List<String> problems = policy.problems(password.toCharArray(), ACCOUNT);
    for (String problem : problems) {
      assertThat(problem).as("a problem is a sentence").endsWith(".");
      // ("password" is the one test password that is also a word of the messages.)
      if (password.strip().length() >= 4 && !password.equals("password")) {
        assertThat(problem)
            .as("a problem never echoes the password")
            .doesNotContainIgnoringCase(password.strip());
      }
      assertThat(Character.isUpperCase(problem.charAt(0))).as(problem).isTrue();
    }
    return problems;
  }

  private static void accepted(PasswordPolicy policy, String password) {
    assertThat(problems(policy, password)).as("problems of an acceptable password").isEmpty();
  }

  /** Exactly one problem, which contains {@code expected}. */
  private static void refused(PasswordPolicy policy, String password, String expected) {
    assertThat(problems(policy, password))
        .as("problems")
        .singleElement()
        .asString()
        .contains(expected);
  }

  // ---- names ----

  @Test
  void configNamesRoundTrip() {
    assertThat(NIST.configName()).isEqualTo("nist");
    assertThat(NISC.configName()).isEqualTo("nisc");
    for (PasswordPolicy policy : PasswordPolicy.values()) {
      assertThat(PasswordPolicy.parse(policy.configName())).contains(policy);
    }
    assertThat(PasswordPolicy.parse("NIST")).contains(NIST);
    assertThat(PasswordPolicy.parse("owasp")).isEmpty();
    assertThat(PasswordPolicy.parse("")).isEmpty();
    assertThat(PasswordPolicy.parse(null)).isEmpty();
  }

  // ---- length ----

  @Test
  void nistNeedsFifteenCharacters() {
    assertThat(problems(NIST, "mx7Kq2vRt9"))
        .contains("Too short: 10 characters; at least 15 are required.");
    assertThat(problems(NIST, ""))
        .containsExactly("Too short: 0 characters; at least 15 are required.");
    assertThat(problems(NIST, "z")).contains("Too short: 1 character; at least 15 are required.");
    accepted(NIST, "mx7Kq2vRt9wLp4z"); // exactly 15
  }

  @Test
  void longPasswordsAreAcceptedUpTo256() {
    accepted(NIST, "the ferry to Naoshima leaves at nine, bring the red umbrella");
    String longest = randomish(256);
    accepted(NIST, longest);
    refused(NIST, longest + "q", "Too long: 257 characters; at most 256 are allowed.");
  }

  @Test
  void lengthCountsCodePointsAfterNfkc() {
    // Five emoji are ten UTF-16 chars but five characters.
    String emoji = "🐙🦑🐡🦀🐚";
    assertThat(emoji.length()).isEqualTo(10);
    assertThat(problems(NIST, emoji + "k7Qm2wZ9x"))
        .contains("Too short: 14 characters; at least 15 are required.");
    accepted(NIST, emoji + "k7Qm2wZ9xR");
    // NFKC expands the ligature "ﬁ" to "fi" before counting: seven are fourteen characters.
    assertThat(problems(NIST, "ﬁ".repeat(7)))
        .contains("Too short: 14 characters; at least 15 are required.");
    // ...and composes e + U+0301 (combining acute) into one "é": 28 chars, 14 characters.
    assertThat(problems(NIST, "e\u0301a\u0301i\u0301o\u0301u\u0301n\u0303c\u0327".repeat(2)))
        .contains("Too short: 14 characters; at least 15 are required.");
  }

  @Test
  void anyUnicodeAndSpacesAreAccepted() {
    accepted(NIST, "静かな湖に月が映る夜、猫が三匹");
    accepted(NIST, "Καλημέρα κόσμε, 42 φορές");
    accepted(NIST, "  leading and trailing spaces  ");
    accepted(NIST, "🐙🦑🐡🦀🐚🐳🐬🦭🐠🐟🦈🪼🦞🦐🐢");
  }

  @Test
  void controlCharactersAreRefused() {
    refused(NIST, "tab\there and there ok", "control character");
    refused(NIST, "null\u0000byte in the middle", "control character");
    refused(NIST, "lone \uD800 surrogate half here", "control character");
  }

  // ---- blocklist ----

  @Test
  void commonPasswordsAreRefused() {
    // Common passwords of 15 or more from the bundled list, in any case.
    String common = "It is on a list of commonly used or breached passwords.";
    assertThat(problems(NIST, "1qaz2wsx3edc4rfv")).contains(common);
    assertThat(problems(NIST, "QWERTYUIOPASDFGH")).contains(common);
    // The famous passphrase has been seen in breaches, so it is on the list too.
    refused(NIST, "correct horse battery staple", "commonly used or breached");
    refused(NIST, "correcthorsebatterystaple", "commonly used or breached");
    // Short common passwords are also on the list (the length rule fires too).
    assertThat(problems(NIST, "password"))
        .contains("It is on a list of commonly used or breached passwords.");
    assertThat(problems(NISC, "Password1!"))
        .anySatisfy(p -> assertThat(p).contains("commonly used password"));
  }

  @Test
  void keyboardAndDigitRunsAreRefused() {
    String runs =
        "It is made (almost) entirely of repeated characters, runs of consecutive letters or"
            + " digits, or neighbouring keys on a keyboard.";
    assertThat(problems(NIST, "123456789012345")).containsExactly(runs);
    assertThat(problems(NIST, "qwertyuiopasdfgh")).contains(runs);
    assertThat(problems(NIST, "!@#$%^&*()_+!@#$")).containsExactly(runs);
    assertThat(problems(NIST, "zxcvbnm,./asdfghjkl")).containsExactly(runs);
    assertThat(problems(NIST, "7894561230.789456")).containsExactly(runs); // number pad
  }

  @Test
  void paddedAndDisguisedWordsAreRefused() {
    String disguised = "commonly used password, dictionary word or name with only look-alike";
    refused(NIST, "Password123!@#$%^", "commonly used password");
    refused(NIST, "sunshine!!!!!!!!", disguised);
    refused(NIST, "!!!!elephant!!!!", disguised);
    refused(NIST, "Elephant 8402917365", disguised);
    refused(NIST, "p@55w0rd.83651920", disguised);
    refused(NIST, "4pple~~~~~~~~~~~", disguised);
    refused(NIST, "e l e p h a n t . 9 1 7 3", disguised);
    refused(NIST, "tnahpele!9163820", disguised); // reversed
    refused(NIST, "ＥＬＥＰＨＡＮＴ６０２８３７４１９", disguised); // full width, NFKC
  }

  @Test
  void wholeDictionaryWordsAndNamesAreRefused() {
    refused(NIST, "recommendations", "It is a single dictionary word or name.");
    refused(NIST, "Responsibilities", "It is a single dictionary word or name.");
    assertThat(problems(NIST, "Abbruzzese")) // a surname
        .contains("It is a single dictionary word or name.")
        .anySatisfy(p -> assertThat(p).startsWith("Too short"));
  }

  @Test
  void passphrasesOfSeveralWordsAreAccepted() {
    accepted(NIST, "purple kettle orbit glacier");
    accepted(NIST, "purplekettleorbitglacier");
    accepted(NIST, "Elephant 7 umbrella tea");
    accepted(NIST, "ab8402917365X93"); // two letters are not a word worth blocking
  }

  // ---- account name ----

  @Test
  void theAccountNameIsRefused() {
    String contains = "contains your account name";
    refused(NIST, "alice@example.com", contains);
    refused(NIST, "ALICE@EXAMPLE.COM", contains);
    refused(NIST, "my name is Alice 7Rq!", contains);
    assertThat(NIST.problems("qx7 john smith 2024".toCharArray(), "john.smith@example.org"))
        .singleElement()
        .asString()
        .contains(contains);
    // A short local part is not looked for inside other words.
    assertThat(NIST.problems("jovial tern 4Qx9 plum".toCharArray(), "jo@example.org")).isEmpty();
  }

  // ---- repetition ----

  @Test
  void repetitiveAndSequentialStringsAreRefused() {
    String pattern = "repeated characters, runs of consecutive letters or digits";
    refused(NIST, "aaaaaaaaaaaaaaa", pattern);
    refused(NIST, "aaaaaaaaaaaaaaa1", pattern);
    refused(NIST, "abcdefghijklmnop", pattern);
    refused(NIST, "zyxwvutsrqponmlk", pattern);
    refused(NIST, "987654321098765", pattern);
    refused(NIST, "abcabcabcabcabcabc", pattern);
    refused(NIST, "🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙🐙", pattern);
    refused(NIST, "ababababababab!x", pattern);
    assertThat(problems(NIST, "passwordpassword")).anySatisfy(p -> assertThat(p).contains(pattern));
  }

  @Test
  void aPatternWithEnoughRandomnessLeftIsAccepted() {
    accepted(NIST, "aaaaaaaaaaaaaaaaXq7w!");
    accepted(NIST, "qwerty 8Jn%cQ2vB");
  }

  // ---- NISC ----

  @Test
  void niscNeedsTenCharactersOfAllFourKinds() {
    accepted(NISC, "Kq7#vR2m!z");
    assertThat(problems(NISC, "Kq7#vR2m!"))
        .containsExactly("Too short: 9 characters; at least 10 are required.");
    refused(NISC, "kq7#vr2m!zw", "It has no upper-case letter;");
    refused(NISC, "KQ7#VR2M!ZW", "It has no lower-case letter;");
    refused(NISC, "Kqx#vRem!zw", "It has no digit;");
    refused(NISC, "Kq7xvR2mPzw", "It has no symbol;");
    assertThat(problems(NISC, "kq7xvr2mpzw"))
        .containsExactly(
            "It has no upper-case letter and no symbol; this policy requires upper-case letters,"
                + " lower-case letters, digits and symbols.");
    accepted(NISC, "Kq7 vR2m zw"); // a space is a symbol
  }

  @Test
  void niscAppliesTheSameBlocklist() {
    assertThat(problems(NISC, "P@ssw0rd2024!"))
        .anySatisfy(p -> assertThat(p).contains("commonly used password"));
    assertThat(problems(NISC, "Sunshine123!"))
        .anySatisfy(p -> assertThat(p).contains("look-alike"));
    assertThat(problems(NISC, "Alice#2024xyz"))
        .anySatisfy(p -> assertThat(p).contains("account name"));
  }

  // ---- contract ----

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThat(problems(NISC, "alice"))
        .containsExactly(
            "Too short: 5 characters; at least 10 are required.",
            "It has no upper-case letter and no digit and no symbol; this policy requires"
                + " upper-case letters, lower-case letters, digits and symbols.",
            "It contains your account name; choose something others cannot guess from it.",
            "It is on a list of commonly used or breached passwords.");
  }

  @Test
  void thePasswordArrayIsLeftAsItWas() {
    char[] password = "Password123!@#$%^".toCharArray();
    NIST.problems(password, ACCOUNT);
    assertThat(new String(password)).isEqualTo("Password123!@#$%^");
    assertThatThrownBy(() -> NIST.problems(null, ACCOUNT)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aCheckIsFastOnceTheListsAreLoaded() {
    NIST.problems("warm up the lists".toCharArray(), ACCOUNT);
    List<String> worstCases =
        List.of(randomish(256), "a".repeat(256), "1!|7".repeat(64), "p@55w0rd" + "!".repeat(248));
    long start = System.nanoTime();
    int rounds = 10;
    for (int i = 0; i < rounds; i++) {
      for (String password : worstCases) {
        NIST.problems(password.toCharArray(), ACCOUNT);
      }
    }
    long perCheckMillis = (System.nanoTime() - start) / 1_000_000 / (rounds * worstCases.size());
    assertThat(perCheckMillis).as("ms per check").isLessThan(100);
  }

  /** Deterministic, pattern-free text of {@code length} ASCII characters. */
  private static String randomish(int length) {
    String alphabet = "Kq7#vR2m!zXw9$LpT4&nBc8*YhJ3";
    StringBuilder text = new StringBuilder(length);
    long state = 0x9E3779B97F4A7C15L;
    while (text.length() < length) {
      state = state * 6364136223846793005L + 1442695040888963407L;
      char next = alphabet.charAt((int) ((state >>> 33) % alphabet.length()));
      text.append(next);
    }
    return text.toString();
  }
}
