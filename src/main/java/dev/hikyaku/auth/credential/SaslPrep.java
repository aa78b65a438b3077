package dev.hikyaku.auth.credential;

import com.ongres.saslprep.SASLprep;
import com.ongres.stringprep.Profile;
import java.util.Optional;

/**
 * SASLprep (RFC 4013), the stringprep profile for user names and passwords, over {@code
 * com.ongres.stringprep:saslprep}. A refusal is a value, not an exception.
 */
public final class SaslPrep {

  private static final Profile PROFILE = new SASLprep();

  private SaslPrep() {}

  /**
   * {@code text} prepared as a "stored string" (RFC 3454 §7: unassigned code points prohibited), as
   * RFC 5802 §2.2 Normalize() requires for passwords; empty when SASLprep refuses it or maps it to
   * nothing.
   */
  public static Optional<char[]> prepareStored(char[] text) {
    if (text.length == 0) {
      return Optional.empty();
    }
    try {
      char[] prepared = PROFILE.prepareStored(text);
      return prepared.length == 0 ? Optional.empty() : Optional.of(prepared);
    } catch (IllegalArgumentException | IndexOutOfBoundsException refused) {
      // IllegalArgumentException: prohibited output or bidi violation (RFC 4013 §2.3, §2.4).
      // IndexOutOfBoundsException: saslprep 2.2 runs the bidi check on a string that mapping
      // emptied (e.g. only soft hyphens) without testing for empty first. Either way: refused.
      // Messages may quote the input, so neither is logged or chained.
      return Optional.empty();
    }
  }

  /**
   * {@code text} prepared as a "query" (unassigned code points allowed), as RFC 5802 §5.1 has the
   * server do with a received username; empty when SASLprep refuses it or maps it to nothing.
   */
  public static Optional<String> prepareQuery(String text) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      String prepared = PROFILE.prepareQuery(text);
      return prepared.isEmpty() ? Optional.empty() : Optional.of(prepared);
    } catch (IllegalArgumentException | IndexOutOfBoundsException refused) {
      // As in prepareStored.
      return Optional.empty();
    }
  }
}
