package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the signer writes: the tags, the signed field list with From over-signed, and signatures
 * that the JDK verifies over the canonical data. Independent verification (dkimpy) is in
 * {@code interop.DkimInteropTest}.
 */
class DkimSignerTest {

  private static final Instant NOW = Instant.parse("2026-11-23T04:00:00Z");
  private static final String MESSAGE = "From: Alice <alice@example.com>\r\nTo: bob@example.net,\r\n\tcarol@example.net\r\n"
      + "Subject:  Quarterly   figures\r\nDate: Mon, 23 Nov 2026 04:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n"
      + "X-Mailer: not signed\r\n\r\nHello  Bob,\r\n\r\nsee you.\r\n\r\n\r\n";

  private final DkimSigner signer = new DkimSigner(Clock.fixed(NOW, ZoneOffset.UTC));

  private static String tag(String field, String name) {
    Matcher m = Pattern.compile("[;\\s]" + name + "=([^;]*)").matcher(field.replace("\r\n\t", " "));
    assertThat(m.find()).as("tag %s in %s", name, field).isTrue();
    return m.group(1).replaceAll("\\s", "");
  }

  @Test
  void signsTheVisibleFieldsWithFromOversignedAndTheRelaxedBody() throws Exception {
    KeyPair pair = DkimAlgorithm.RSA_SHA256.generate();
    DkimKey key = DkimKeys.of("Example.COM", "hk1", DkimAlgorithm.RSA_SHA256, pair);
    byte[] message = MESSAGE.getBytes(StandardCharsets.US_ASCII);
    String field = new String(signer.signatureFields(message, List.of(key)), StandardCharsets.US_ASCII);

    assertThat(field).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=hk1;").endsWith("\r\n");
    assertThat(tag(field, "t")).isEqualTo(String.valueOf(NOW.getEpochSecond()));
    assertThat(tag(field, "h")).isEqualTo("from:from:subject:date:message-id:to");
    byte[] body = Canonical.relaxedBody(message, HeaderField.bodyStart(message));
    assertThat(new String(body, StandardCharsets.US_ASCII)).isEqualTo("Hello Bob,\r\n\r\nsee you.\r\n");
    assertThat(tag(field, "bh")).isEqualTo(Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body)));
    // Every line of the field stays short (RFC 5322 §2.1.1: 78 characters should do).
    assertThat(field.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));

    // The signature verifies over: the signed fields (from the bottom, the extra From is null),
    // then this field with b= empty, relaxed, without its CRLF (RFC 6376 §3.7).
    List<HeaderField> fields = HeaderField.parse(message);
    String headers = DkimSigner.canonicalHeaders(fields, List.of("from", "from", "subject", "date", "message-id", "to"));
    assertThat(headers).isEqualTo("from:Alice <alice@example.com>\r\nsubject:Quarterly figures\r\n"
        + "date:Mon, 23 Nov 2026 04:00:00 +0000\r\nmessage-id:<1@example.com>\r\nto:bob@example.net, carol@example.net\r\n");
    String unsigned = field.substring(0, field.indexOf("b=", field.indexOf("bh=") + 3) + 2);
    String canonical = Canonical.relaxedHeader(new HeaderField("DKIM-Signature", unsigned + "\r\n"));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initVerify(pair.getPublic());
    rsa.update((headers + canonical.substring(0, canonical.length() - 2)).getBytes(StandardCharsets.US_ASCII));
    assertThat(rsa.verify(Base64.getDecoder().decode(tag(field, "b")))).isTrue();
  }

  @Test
  void ed25519SignsTheSha256OfTheDataAndPublishesTheRawKey() throws Exception {
    KeyPair pair = DkimAlgorithm.ED25519_SHA256.generate();
    DkimKey key = DkimKeys.of("example.com", "hk1e", DkimAlgorithm.ED25519_SHA256, pair);
    // RFC 8463 §4: p= is the 32-octet public key itself.
    assertThat(Base64.getDecoder().decode(key.publicKeyData())).hasSize(32);
    assertThat(key.record()).startsWith("v=DKIM1; k=ed25519; p=");
    byte[] message = MESSAGE.getBytes(StandardCharsets.US_ASCII);
    String field = new String(signer.signatureFields(message, List.of(key)), StandardCharsets.US_ASCII);
    assertThat(field).contains("a=ed25519-sha256;");

    String unsigned = field.substring(0, field.indexOf("b=", field.indexOf("bh=") + 3) + 2);
    String canonical = Canonical.relaxedHeader(new HeaderField("DKIM-Signature", unsigned + "\r\n"));
    String headers = DkimSigner.canonicalHeaders(HeaderField.parse(message), DkimSigner.signedNames(HeaderField.parse(message)));
    byte[] hash = MessageDigest.getInstance("SHA-256")
        .digest((headers + canonical.substring(0, canonical.length() - 2)).getBytes(StandardCharsets.US_ASCII));
    Signature ed25519 = Signature.getInstance("Ed25519");
    ed25519.initVerify(pair.getPublic());
    ed25519.update(hash);
    assertThat(ed25519.verify(Base64.getDecoder().decode(tag(field, "b")))).isTrue();
  }

  @Test
  void twoKeysGiveTwoIndependentSignaturesAndAKeyNeverPrintsItsSecret() throws Exception {
    DkimKey rsa = DkimKeys.of("example.com", "r", DkimAlgorithm.RSA_SHA256, TestKeys.rsa2048(1));
    DkimKey ed = DkimKeys.of("example.com", "e", DkimAlgorithm.ED25519_SHA256, DkimAlgorithm.ED25519_SHA256.generate());
    String fields = new String(signer.signatureFields(MESSAGE.getBytes(StandardCharsets.US_ASCII), List.of(rsa, ed)),
        StandardCharsets.US_ASCII);
    assertThat(fields.split("(?=DKIM-Signature: )")).hasSize(2);
    assertThat(rsa.toString()).contains("r._domainkey.example.com").contains("hidden")
        .doesNotContain(Base64.getEncoder().encodeToString(rsa.privateKey().getEncoded()).substring(0, 40));
    assertThat(signer.signatureFields(MESSAGE.getBytes(StandardCharsets.US_ASCII), List.of())).isEmpty();
  }

  /**
   * Fields put in front are signed as if joined to the message (issue 15 point 2: intake does not
   * copy the message to sign it), also when the message opens with WSP and so continues the last
   * of them (RFC 5322 §2.2.3). Ed25519 signatures are deterministic (RFC 8032), so equal fields mean
   * equal inputs.
   */
  @Test
  void fieldsInFrontAreSignedAsIfJoined() throws Exception {
    DkimKey key = DkimKeys.of("example.com", "e", DkimAlgorithm.ED25519_SHA256, DkimAlgorithm.ED25519_SHA256.generate());
    byte[] prepended = "Sender: <alice@example.com>\r\nDate: Mon, 23 Nov 2026 04:00:00 +0000\r\n".getBytes(StandardCharsets.US_ASCII);
    for (String message : List.of(MESSAGE, " continued\r\n" + MESSAGE, "\r\nOnly a body.\r\n", "")) {
      byte[] content = message.getBytes(StandardCharsets.US_ASCII);
      byte[] joined = java.util.Arrays.copyOf(prepended, prepended.length + content.length);
      System.arraycopy(content, 0, joined, prepended.length, content.length);
      assertThat(new String(signer.signatureFields(prepended, content, List.of(key)), StandardCharsets.US_ASCII))
          .as("%s", message)
          .isEqualTo(new String(signer.signatureFields(joined, List.of(key)), StandardCharsets.US_ASCII));
    }
  }
}
