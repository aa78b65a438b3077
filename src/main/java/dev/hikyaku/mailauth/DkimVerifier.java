package dev.hikyaku.mailauth;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verifies the DKIM signatures of a message (RFC 6376 §6): simple or relaxed canonicalization,
 * RSA-SHA256 (RSA keys of 1024 bits or more, RFC 8301) and Ed25519-SHA256 (RFC 8463), keys
 * fetched through {@code dns}. At most {@link #MAX_SIGNATURES} are checked, so a message with a
 * hundred signatures cannot make us do a hundred lookups.
 */
public final class DkimVerifier {

  /** RFC 8601 §2.7.1 results. */
  public enum Result {
    NONE, PASS, FAIL, NEUTRAL, TEMPERROR, PERMERROR;

    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The outcome for one DKIM-Signature field. */
  public record Signature(Result result, String domain, String selector, String algorithm, String reason) {}

  static final int MAX_SIGNATURES = 5;
  private static final int MIN_RSA_BITS = 1024; // RFC 8301 §3.2
  // RFC 8410: the DER prefix that makes a raw Ed25519 key a SubjectPublicKeyInfo.
  private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
  private static final Pattern B_TAG = Pattern.compile("(^|;)([ \\t\\r\\n]*b[ \\t\\r\\n]*=)([^;]*)");

  private final DnsResolver dns;
  private final Clock clock;

  public DkimVerifier(DnsResolver dns, Clock clock) {
    this.dns = Objects.requireNonNull(dns, "dns");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** One result per DKIM-Signature field, top down; empty when the message has none. */
  public List<Signature> verify(byte[] message) {
    List<HeaderField> fields = HeaderField.parse(message);
    List<Signature> results = new ArrayList<>();
    Map<Boolean, byte[]> bodies = new HashMap<>(); // canonical body by "is relaxed"
    for (HeaderField field : fields) {
      if (Thread.currentThread().isInterrupted()) {
        break; // abandoned past the checks' budget (InboundChecks): the caller has moved on
      }
      if (field.key().equals("dkim-signature") && results.size() < MAX_SIGNATURES) {
        results.add(verifyOne(message, fields, field, bodies));
      }
    }
    return results;
  }

  private Signature verifyOne(byte[] message, List<HeaderField> fields, HeaderField signatureField, Map<Boolean, byte[]> bodies) {
    return verifyField(message, fields, signatureField, bodies, false);
  }

  /**
   * An ARC-Message-Signature (RFC 8617 §4.1.2), verified as a DKIM signature is (§5.2: same tags,
   * canonicalization, hashing and key records) but for its own differences: no {@code v=}, and
   * {@code i=} is the ARC instance, not an identity.
   */
  Signature verifyArcMessageSignature(byte[] message, List<HeaderField> fields, HeaderField ams) {
    return verifyField(message, fields, ams, new HashMap<>(), true);
  }

  private Signature verifyField(
      byte[] message, List<HeaderField> fields, HeaderField signatureField, Map<Boolean, byte[]> bodies, boolean isArc) {
    Map<String, String> tags = tags(signatureField.raw().substring(signatureField.raw().indexOf(':') + 1));
    String domain = tags.getOrDefault("d", "").toLowerCase(Locale.ROOT);
    String selector = tags.getOrDefault("s", "").toLowerCase(Locale.ROOT);
    String algorithm = tags.getOrDefault("a", "").toLowerCase(Locale.ROOT);
    try {
      return check(message, fields, signatureField, tags, domain, selector, algorithm, bodies, isArc);
    } catch (Outcome outcome) {
      return new Signature(outcome.result, domain, selector, algorithm, outcome.getMessage());
    }
  }

  /** Ends one signature's check with a result other than pass. */
  static final class Outcome extends Exception {
    private static final long serialVersionUID = 1L;
    private final Result result;

    Outcome(Result result, String reason) {
      super(reason, null, false, false);
      this.result = result;
    }

    Result result() {
      return result;
    }
  }

  private Signature check(
      byte[] message, List<HeaderField> fields, HeaderField signatureField, Map<String, String> tags, String domain,
      String selector, String algorithmTag, Map<Boolean, byte[]> bodies, boolean isArc) throws Outcome {
    for (String required : isArc ? List.of("i", "a", "b", "bh", "d", "h", "s") : List.of("v", "a", "b", "bh", "d", "h", "s")) {
      if (!tags.containsKey(required)) {
        throw new Outcome(Result.PERMERROR, "no " + required + "= tag"); // RFC 6376 §6.1.1, RFC 8617 §4.1.2
      }
    }
    if (!isArc && !tags.get("v").equals("1")) {
      throw new Outcome(Result.PERMERROR, "v=" + tags.get("v") + " is not 1");
    }
    // RFC 8301 §3.1: rsa-sha1 must not be accepted any more.
    DkimAlgorithm algorithm = DkimAlgorithm.byTag(algorithmTag)
        .orElseThrow(() -> new Outcome(Result.PERMERROR, "algorithm " + algorithmTag + " not accepted"));
    List<String> signed = Arrays.stream(tags.get("h").split(":")).map(s -> s.strip().toLowerCase(Locale.ROOT)).toList();
    if (!signed.contains("from")) {
      throw new Outcome(Result.PERMERROR, "From is not signed (RFC 6376 §5.4)");
    }
    if (!isArc && tags.containsKey("i")) {
      String identity = tags.get("i").toLowerCase(Locale.ROOT);
      String iDomain = identity.substring(identity.lastIndexOf('@') + 1);
      if (!iDomain.equals(domain) && !iDomain.endsWith("." + domain)) {
        throw new Outcome(Result.PERMERROR, "i= " + identity + " is not within d= " + domain); // §3.5
      }
    }
    if (tags.containsKey("x")) {
      try {
        if (Long.parseLong(tags.get("x")) < clock.instant().getEpochSecond()) {
          throw new Outcome(Result.FAIL, "signature expired"); // §3.5 x=
        }
      } catch (NumberFormatException e) {
        throw new Outcome(Result.PERMERROR, "bad x= tag");
      }
    }
    String[] canonicalization = tags.getOrDefault("c", "simple/simple").toLowerCase(Locale.ROOT).split("/", 2);
    boolean isRelaxedHeader = canonicalization[0].equals("relaxed");
    boolean isRelaxedBody = canonicalization.length > 1 && canonicalization[1].equals("relaxed");
    if (!List.of("simple", "relaxed").contains(canonicalization[0])
        || (canonicalization.length > 1 && !List.of("simple", "relaxed").contains(canonicalization[1]))) {
      throw new Outcome(Result.PERMERROR, "unknown canonicalization c=" + tags.get("c"));
    }

    // The body hash first: no DNS lookup for a message whose body changed (§6.1.3).
    // Canonicalized once per message and form: an RSA and an Ed25519 signature share it.
    byte[] body = bodies.computeIfAbsent(isRelaxedBody, isRelaxed -> isRelaxed
        ? Canonical.relaxedBody(message, HeaderField.bodyStart(message))
        : Canonical.simpleBody(message, HeaderField.bodyStart(message)));
    if (tags.containsKey("l")) {
      try {
        // RFC 6376 §3.5: l= is 1*76DIGIT. "l=-1" parsed as a long made Arrays.copyOf throw.
        if (!tags.get("l").matches("[0-9]{1,76}")) {
          throw new NumberFormatException("l= is not digits");
        }
        long length = Long.parseLong(tags.get("l"));
        if (length > body.length) {
          throw new Outcome(Result.PERMERROR, "l= longer than the body");
        }
        body = Arrays.copyOf(body, (int) length);
      } catch (NumberFormatException e) {
        throw new Outcome(Result.PERMERROR, "bad l= tag");
      }
    }
    byte[] bodyHash;
    try {
      bodyHash = MessageDigest.getInstance("SHA-256").digest(body);
      if (!MessageDigest.isEqual(bodyHash, Base64.getDecoder().decode(tags.get("bh")))) {
        throw new Outcome(Result.FAIL, "body hash did not verify");
      }
    } catch (IllegalArgumentException e) {
      throw new Outcome(Result.PERMERROR, "bh= is not base64");
    } catch (GeneralSecurityException e) {
      throw new Outcome(Result.TEMPERROR, e.toString());
    }

    PublicKey key = key(domain, selector, algorithm);
    Function<HeaderField, String> canonicalHeader =
        isRelaxedHeader ? Canonical::relaxedHeader : Canonical::simpleHeader;
    StringBuilder data = new StringBuilder(DkimSigner.canonicalHeaders(fields, signed, canonicalHeader));
    // §3.7: the signature field itself with b= emptied, without its final CRLF.
    String raw = signatureField.raw();
    int colon = raw.indexOf(':');
    Matcher b = B_TAG.matcher(raw.substring(colon + 1));
    if (!b.find()) {
      throw new Outcome(Result.PERMERROR, "no b= tag");
    }
    String emptied = raw.substring(0, colon + 1) + raw.substring(colon + 1, colon + 1 + b.start(3)) + raw.substring(colon + 1 + b.end(3));
    HeaderField withoutB = new HeaderField(signatureField.name(), emptied);
    String canonical = canonicalHeader.apply(withoutB);
    data.append(canonical, 0, canonical.endsWith("\r\n") ? canonical.length() - 2 : canonical.length());

    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(tags.get("b"));
    } catch (IllegalArgumentException e) {
      throw new Outcome(Result.PERMERROR, "b= is not base64");
    }
    try {
      boolean isValid = algorithm.verify(key, data.toString().getBytes(StandardCharsets.ISO_8859_1), signature);
      if (!isValid) {
        throw new Outcome(Result.FAIL, "signature did not verify");
      }
    } catch (GeneralSecurityException e) {
      throw new Outcome(Result.FAIL, "signature did not verify: " + e.getMessage());
    }
    return new Signature(Result.PASS, domain, selector, algorithmTag, "verified");
  }

  /** The key record at selector._domainkey.domain (RFC 6376 §3.6.2), as a JCA key. */
  PublicKey key(String domain, String selector, DkimAlgorithm algorithm) throws Outcome {
    String name = selector + "._domainkey." + domain;
    List<String> records = switch (dns.txt(name)) {
      case Lookup.Found<List<String>> found -> found.value();
      case Lookup.TemporaryFailure<List<String>> failure -> throw new Outcome(Result.TEMPERROR, "key lookup failed: " + failure.reason());
      default -> throw new Outcome(Result.PERMERROR, "no key record at " + name);
    };
    Map<String, String> tags = tags(records.getFirst());
    if (tags.containsKey("v") && !tags.get("v").equals("DKIM1")) {
      throw new Outcome(Result.PERMERROR, "key record v= is not DKIM1");
    }
    String type = tags.getOrDefault("k", "rsa").toLowerCase(Locale.ROOT);
    if (!type.equals(algorithm.keyType())) {
      throw new Outcome(Result.PERMERROR, "key is k=" + type + ", signature is " + algorithm.tag());
    }
    String data = tags.getOrDefault("p", "");
    if (data.isEmpty()) {
      throw new Outcome(Result.PERMERROR, "key revoked (empty p=)"); // §3.6.1
    }
    try {
      byte[] octets = Base64.getDecoder().decode(data);
      if (algorithm == DkimAlgorithm.ED25519_SHA256) {
        if (octets.length != 32) {
          throw new Outcome(Result.PERMERROR, "Ed25519 key is not 32 octets");
        }
        ByteArrayOutputStream spki = new ByteArrayOutputStream(44);
        spki.writeBytes(ED25519_SPKI_PREFIX);
        spki.writeBytes(octets);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki.toByteArray()));
      }
      PublicKey rsa = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(octets));
      BigInteger modulus = ((RSAPublicKey) rsa).getModulus();
      if (modulus.bitLength() < MIN_RSA_BITS) {
        throw new Outcome(Result.PERMERROR, "RSA key of " + modulus.bitLength() + " bits is too short (RFC 8301)");
      }
      return rsa;
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new Outcome(Result.PERMERROR, "key record p= unreadable");
    }
  }

  /** RFC 6376 §3.2 tag=value lists; whitespace inside values is dropped (it is FWS). */
  static Map<String, String> tags(String list) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String part : list.split(";")) {
      int equals = part.indexOf('=');
      if (equals < 0) {
        continue;
      }
      String name = part.substring(0, equals).strip().toLowerCase(Locale.ROOT);
      String value = part.substring(equals + 1).replaceAll("[ \\t\\r\\n]+", "");
      tags.putIfAbsent(name, value);
    }
    return tags;
  }

  /** The first pass for {@code domain} (DMARC uses it), if any. */
  public static Optional<Signature> passFor(List<Signature> signatures, Predicate<String> domain) {
    return signatures.stream().filter(s -> s.result() == Result.PASS && domain.test(s.domain())).findFirst();
  }
}
