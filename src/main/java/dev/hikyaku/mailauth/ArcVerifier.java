package dev.hikyaku.mailauth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Authenticated Received Chain validation (RFC 8617 §5.2): the ARC sets intermediaries added,
 * each an ARC-Authentication-Results, an ARC-Message-Signature and an ARC-Seal with the same
 * instance {@code i=}, from 1 up without a gap. The chain passes when the newest seal says the
 * chain before it passed (or there was none before it), the newest message signature verifies,
 * and every seal verifies over the sets up to its own; it fails otherwise.
 */
public final class ArcVerifier {

  /** RFC 8617 §4.2.1: at most 50 sets. */
  static final int MAX_INSTANCES = 50;

  /** RFC 8617 §4.4 cv= / RFC 8601 arc= results. */
  public enum Result {
    NONE, PASS, FAIL;

    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The chain's result, how many sets it has, and why when it did not pass. */
  public record Chain(Result result, int instances, String reason) {}

  private static final Pattern INSTANCE = Pattern.compile("(?:^|;)\\s*i\\s*=\\s*(\\d+)\\s*(?:;|$)");
  private static final Pattern B_TAG = Pattern.compile("(^|;)([ \\t\\r\\n]*b[ \\t\\r\\n]*=)([^;]*)");

  private final DkimVerifier dkim;

  public ArcVerifier(DkimVerifier dkim) {
    this.dkim = Objects.requireNonNull(dkim, "dkim");
  }

  /** RFC 8617 §5.2 on {@code message}. */
  public Chain verify(byte[] message) {
    List<HeaderField> fields = HeaderField.parse(message);
    Map<Integer, HeaderField[]> sets = new TreeMap<>(); // i -> {AAR, AMS, AS}
    for (HeaderField field : fields) {
      int slot = slot(field);
      if (slot < 0) {
        continue;
      }
      Optional<Integer> instance = instance(field);
      if (instance.isEmpty() || instance.get() < 1 || instance.get() > MAX_INSTANCES) {
        return new Chain(Result.FAIL, 0, field.name() + " without a valid i= (1.." + MAX_INSTANCES + ")");
      }
      HeaderField[] set = sets.computeIfAbsent(instance.get(), i -> new HeaderField[3]);
      if (set[slot] != null) {
        return new Chain(Result.FAIL, 0, "two " + field.name() + " fields with i=" + instance.get());
      }
      set[slot] = field;
    }
    if (sets.isEmpty()) {
      return new Chain(Result.NONE, 0, "no ARC sets");
    }
    int newest = ((TreeMap<Integer, HeaderField[]>) sets).lastKey();
    for (int i = 1; i <= newest; i++) {
      HeaderField[] set = sets.get(i);
      if (set == null || set[0] == null || set[1] == null || set[2] == null) {
        return new Chain(Result.FAIL, newest, "ARC set " + i + " is incomplete or missing");
      }
    }
    // §5.2 step 2: the seals' cv= values: none on the first, pass on every later one.
    for (int i = 1; i <= newest; i++) {
      String cv = DkimVerifier.tags(value(sets.get(i)[2])).getOrDefault("cv", "").toLowerCase(Locale.ROOT);
      if (!cv.equals(i == 1 ? "none" : "pass")) {
        return new Chain(Result.FAIL, newest, "ARC-Seal i=" + i + " has cv=" + cv);
      }
    }
    // §5.2 step 3: the newest message signature.
    DkimVerifier.Signature ams = dkim.verifyArcMessageSignature(message, fields, sets.get(newest)[1]);
    if (ams.result() != DkimVerifier.Result.PASS) {
      return new Chain(Result.FAIL, newest, "ARC-Message-Signature i=" + newest + ": " + ams.reason());
    }
    // §5.2 step 5: every seal, newest first.
    for (int i = newest; i >= 1; i--) {
      Optional<String> failure = sealFailure(sets, i);
      if (failure.isPresent()) {
        return new Chain(Result.FAIL, newest, "ARC-Seal i=" + i + ": " + failure.get());
      }
    }
    return new Chain(Result.PASS, newest, "chain of " + newest + " verified");
  }

  /**
   * §5.1.1: the seal of instance {@code upTo} signs, in instance order, each set's AAR, AMS and AS
   * (relaxed header canonicalization), its own with b= emptied and without the final CRLF.
   */
  private Optional<String> sealFailure(Map<Integer, HeaderField[]> sets, int upTo) {
    HeaderField seal = sets.get(upTo)[2];
    Map<String, String> tags = DkimVerifier.tags(value(seal));
    for (String required : List.of("a", "b", "cv", "d", "i", "s")) {
      if (!tags.containsKey(required)) {
        return Optional.of("no " + required + "= tag");
      }
    }
    if (tags.containsKey("h")) {
      return Optional.of("an h= tag, which a seal must not have (RFC 8617 §4.1.3)");
    }
    Optional<DkimAlgorithm> algorithm = DkimAlgorithm.byTag(tags.get("a").toLowerCase(Locale.ROOT));
    if (algorithm.isEmpty()) {
      return Optional.of("algorithm " + tags.get("a") + " not accepted");
    }
    StringBuilder data = new StringBuilder();
    for (int i = 1; i <= upTo; i++) {
      HeaderField[] set = sets.get(i);
      data.append(Canonical.relaxedHeader(set[0])).append(Canonical.relaxedHeader(set[1]));
      if (i < upTo) {
        data.append(Canonical.relaxedHeader(set[2]));
      }
    }
    String raw = seal.raw();
    int colon = raw.indexOf(':');
    Matcher b = B_TAG.matcher(raw.substring(colon + 1));
    if (!b.find()) {
      return Optional.of("no b= tag");
    }
    String emptied = raw.substring(0, colon + 1) + raw.substring(colon + 1, colon + 1 + b.start(3)) + raw.substring(colon + 1 + b.end(3));
    String canonical = Canonical.relaxedHeader(new HeaderField(seal.name(), emptied));
    data.append(canonical, 0, canonical.endsWith("\r\n") ? canonical.length() - 2 : canonical.length());
    try {
      PublicKey key = dkim.key(tags.get("d").toLowerCase(Locale.ROOT), tags.get("s").toLowerCase(Locale.ROOT), algorithm.get());
      byte[] signature = Base64.getDecoder().decode(tags.get("b"));
      return algorithm.get().verify(key, data.toString().getBytes(StandardCharsets.ISO_8859_1), signature)
          ? Optional.empty() : Optional.of("signature did not verify");
    } catch (DkimVerifier.Outcome outcome) {
      return Optional.of(outcome.getMessage());
    } catch (IllegalArgumentException e) {
      return Optional.of("b= is not base64");
    } catch (GeneralSecurityException e) {
      return Optional.of("signature did not verify: " + e.getMessage());
    }
  }

  /** Where an ARC field goes in its set: 0 ARC-Authentication-Results, 1 ARC-Message-Signature, 2 ARC-Seal; -1 other fields. */
  static int slot(HeaderField field) {
    return switch (field.key()) {
      case "arc-authentication-results" -> 0;
      case "arc-message-signature" -> 1;
      case "arc-seal" -> 2;
      default -> -1;
    };
  }

  private static Optional<Integer> instance(HeaderField field) {
    Matcher i = INSTANCE.matcher(value(field));
    return i.find() ? Optional.of(Integer.parseInt(i.group(1).length() > 3 ? "0" : i.group(1))) : Optional.empty();
  }

  private static String value(HeaderField field) {
    return field.raw().substring(field.raw().indexOf(':') + 1);
  }
}
