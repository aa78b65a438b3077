package dev.hikyaku.mailauth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Adds this server's ARC set (RFC 8617 §5.1) to a message it passes on after checking it on port
 * 25: an ARC-Authentication-Results with what our Authentication-Results field recorded, an
 * ARC-Message-Signature over the message as it leaves (as DKIM signs, with {@code i=}), and an
 * ARC-Seal over every set so far with the chain's state before ours ({@code cv=}). Only rsa-sha256
 * (§4.1.3: the one algorithm ARC defines), relaxed/relaxed.
 */
public final class ArcSealer {

  private final Clock clock;
  private final ArcVerifier verifier;

  public ArcSealer(Clock clock, ArcVerifier verifier) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.verifier = Objects.requireNonNull(verifier, "verifier");
  }

  /**
   * The set to put in front of {@code message}, ending in CRLF; empty when there is nothing to seal:
   * no Authentication-Results field of {@code authservId} (we did not check it), the chain already
   * failed or is full (§5.1: a failed chain is not sealed further), or {@code key} is not RSA.
   *
   * @throws GeneralSecurityException when the key cannot sign
   */
  public Optional<byte[]> seal(byte[] message, String authservId, DkimKey key) throws GeneralSecurityException {
    if (key.algorithm() != DkimAlgorithm.RSA_SHA256) {
      return Optional.empty();
    }
    List<HeaderField> fields = HeaderField.parse(message);
    Optional<HeaderField> ours = fields.stream()
        .filter(f -> f.key().equals("authentication-results"))
        .filter(f -> authservIdOf(f).equals(authservId.toLowerCase(Locale.ROOT)))
        .findFirst();
    if (ours.isEmpty()) {
      return Optional.empty();
    }
    ArcVerifier.Chain chain = verifier.verify(message);
    if (chain.result() == ArcVerifier.Result.FAIL || chain.instances() >= ArcVerifier.MAX_INSTANCES) {
      return Optional.empty();
    }
    int instance = chain.instances() + 1;
    String cv = chain.result() == ArcVerifier.Result.PASS ? "pass" : "none";
    long now = clock.instant().getEpochSecond();

    String results = ours.get().raw().substring(ours.get().raw().indexOf(':') + 1).strip();
    String aar = "ARC-Authentication-Results: i=" + instance + "; " + results + "\r\n";

    // The message signature: DKIM's over the fields a reader sees and the body (§4.1.2).
    List<String> names = DkimSigner.signedNames(fields);
    String bodyHash = Base64.getEncoder().encodeToString(
        Canonical.relaxedBodyDigest(message, HeaderField.bodyStart(message), MessageDigest.getInstance("SHA-256")));
    String amsUnsigned = "ARC-Message-Signature: i=" + instance + "; a=rsa-sha256; c=relaxed/relaxed; d=" + key.domain()
        + "; s=" + key.selector() + ";\r\n\tt=" + now + "; h=" + String.join(":", names) + ";\r\n\tbh=" + bodyHash + ";\r\n\tb=";
    String amsData = DkimSigner.canonicalHeaders(fields, names) + withoutCrlf(Canonical.relaxedHeader(
        new HeaderField("ARC-Message-Signature", amsUnsigned + "\r\n")));
    String ams = amsUnsigned + sign(key, amsData) + "\r\n";

    // The seal: every set so far in instance order, then ours with b= empty (§5.1.1).
    StringBuilder sealData = new StringBuilder();
    List<HeaderField[]> sets = sets(fields, chain.instances());
    for (HeaderField[] set : sets) {
      sealData.append(Canonical.relaxedHeader(set[0])).append(Canonical.relaxedHeader(set[1])).append(Canonical.relaxedHeader(set[2]));
    }
    String asUnsigned = "ARC-Seal: i=" + instance + "; a=rsa-sha256; t=" + now + "; cv=" + cv + ";\r\n\td=" + key.domain()
        + "; s=" + key.selector() + "; b=";
    sealData.append(Canonical.relaxedHeader(new HeaderField("ARC-Authentication-Results", aar)))
        .append(Canonical.relaxedHeader(new HeaderField("ARC-Message-Signature", ams)))
        .append(withoutCrlf(Canonical.relaxedHeader(new HeaderField("ARC-Seal", asUnsigned + "\r\n"))));
    String as = asUnsigned + sign(key, sealData.toString()) + "\r\n";
    return Optional.of((as + ams + aar).getBytes(StandardCharsets.ISO_8859_1));
  }

  /** The sets 1..{@code count}, each {AAR, AMS, AS}, from a chain the verifier found whole. */
  private static List<HeaderField[]> sets(List<HeaderField> fields, int count) {
    List<HeaderField[]> sets = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      HeaderField[] set = new HeaderField[3];
      for (HeaderField field : fields) {
        int slot = ArcVerifier.slot(field);
        if (slot >= 0 && instanceOf(field) == i) {
          set[slot] = field;
        }
      }
      sets.add(set);
    }
    return sets;
  }

  private static int instanceOf(HeaderField field) {
    String value = field.raw().substring(field.raw().indexOf(':') + 1);
    for (String tag : value.split(";")) {
      String[] pair = tag.strip().split("=", 2);
      if (pair.length == 2 && pair[0].strip().equals("i")) {
        try {
          return Integer.parseInt(pair[1].strip());
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  /** The authserv-id of an Authentication-Results field (RFC 8601 §2.2), lower case. */
  private static String authservIdOf(HeaderField field) {
    String value = field.raw().substring(field.raw().indexOf(':') + 1).strip();
    int end = 0;
    while (end < value.length() && value.charAt(end) != ';' && !Character.isWhitespace(value.charAt(end))) {
      end++;
    }
    return value.substring(0, end).toLowerCase(Locale.ROOT);
  }

  private static String sign(DkimKey key, String data) throws GeneralSecurityException {
    return Base64.getEncoder().encodeToString(key.algorithm().sign(key.privateKey(), data.getBytes(StandardCharsets.ISO_8859_1)));
  }

  private static String withoutCrlf(String canonical) {
    return canonical.endsWith("\r\n") ? canonical.substring(0, canonical.length() - 2) : canonical;
  }
}
