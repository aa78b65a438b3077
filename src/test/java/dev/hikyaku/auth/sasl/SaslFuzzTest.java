package dev.hikyaku.auth.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hikyaku.auth.FixedBytes;
import dev.hikyaku.auth.credential.HmacSha256;
import dev.hikyaku.auth.credential.ScramCredential;
import dev.hikyaku.auth.credential.Sha256;
import dev.hikyaku.auth.oauth.OAuthMessages;
import dev.hikyaku.auth.sasl.ScramServer.Step;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Fuzzes the SASL decoders an unauthenticated client reaches before any credential is looked up:
 * SCRAM-SHA-256(-PLUS) client-first and client-final messages ({@link ScramServer}), and the bearer
 * token messages of XOAUTH2 and OAUTHBEARER ({@link OAuthMessages}). (PLAIN and LOGIN are NUL
 * splitting and strict UTF-8 in front of the account store; they are reached through the
 * conversation scripts, not here, because every well-formed input costs an Argon2id verification.)
 *
 * <p>Invariants: no exception (a bad message is a {@link Step.Failure} or an empty Optional); a
 * Failure's server-error is an RFC 5802 §7 {@code server-error-value}; SCRAM succeeds only with
 * the correct proof; a parsed bearer request has a token of RFC 6750 b64token characters and a
 * user without control characters.
 */
class SaslFuzzTest {

  private static final int MAX_INPUT = 4096;
  private static final String PASSWORD = "pencil";
  private static final byte[] SALT = "fuzz-salt-16byte".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EXPORTER = new byte[ScramServer.TLS_EXPORTER_BYTES];
  private static final byte[] SALTED = salted();
  private static final ScramCredential CREDENTIAL =
      ScramCredential.derive(PASSWORD.toCharArray(), ScramCredential.MIN_ITERATIONS, new FixedBytes(SALT));
  private static final String SERVER_NONCE = "3rfcNHYJY1ZVvWVs7j";
  private static final Pattern SERVER_ERROR = Pattern.compile("[a-z-]+");
  private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

  /**
   * Input: client-first-message NUL client-final-message (UTF-8), octet 0 choosing -PLUS and the
   * channel binding. In the final message {@code %N} stands for the exchange's nonce, {@code %C} for
   * the right channel binding, {@code %P} for the right proof, so the fuzzer gets past each check.
   */
  @FuzzTest(maxDuration = "10s")
  void scram(byte[] input) {
    if (input.length < 1 || input.length > MAX_INPUT) {
      return;
    }
    boolean isPlus = (input[0] & 1) != 0;
    Optional<byte[]> binding = (input[0] & 2) != 0 ? Optional.of(EXPORTER) : Optional.empty();
    String text = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    int nul = text.indexOf('\0');
    String first = nul < 0 ? text : text.substring(0, nul);
    String last = nul < 0 ? "" : text.substring(nul + 1);

    ScramServer server = new ScramServer(isPlus, binding, () -> SERVER_NONCE);
    Step step = server.clientFirst(first);
    checkFailure(step);
    if (!(step instanceof Step.Username username)) {
      assertThat(step).isInstanceOf(Step.Failure.class);
      return;
    }
    assertThat(username.authcid()).isNotEmpty();
    String serverFirst = server.serverFirst(CREDENTIAL);
    String gs2 = first.substring(0, first.indexOf(',', first.indexOf(',') + 1) + 1);
    String bare = first.substring(gs2.length());
    String nonce = serverFirst.substring(2, serverFirst.indexOf(','));

    String finalMessage = last.replace("%N", nonce).replace("%C", channelBinding(gs2, binding));
    boolean hasRightProof = false;
    int proofAt = finalMessage.lastIndexOf(",p=%P");
    if (proofAt >= 0 && finalMessage.endsWith(",p=%P")) {
      String withoutProof = finalMessage.substring(0, proofAt);
      finalMessage = withoutProof + ",p=" + proof(bare + "," + serverFirst + "," + withoutProof);
      hasRightProof = true;
    }
    Step end = server.clientFinal(finalMessage);
    checkFailure(end);
    if (end instanceof Step.ServerFinal serverFinal) {
      assertThat(hasRightProof).as("SCRAM succeeded without the proof: %s", finalMessage).isTrue();
      assertThat(serverFinal.message()).startsWith("v=");
    } else {
      assertThat(end).isInstanceOf(Step.Failure.class);
    }
  }

  /** Input: octet 0 picks XOAUTH2 (even) or OAUTHBEARER (odd); the rest is the decoded response. */
  @FuzzTest(maxDuration = "10s")
  void bearer(byte[] input) {
    if (input.length < 1 || input.length > MAX_INPUT) {
      return;
    }
    byte[] response = Arrays.copyOfRange(input, 1, input.length);
    Optional<OAuthMessages.BearerRequest> request =
        (input[0] & 1) == 0 ? OAuthMessages.parseXoauth2(response) : OAuthMessages.parseOauthbearer(response);
    request.ifPresent(r -> {
      assertThat(r.token()).matches(B64TOKEN);
      r.user().ifPresent(user -> assertThat(user.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).as("user %s", user).isTrue());
      assertThat(r.toString()).isEqualTo("BearerRequest[user=" + r.user().orElse("(none)") + ", token=(redacted)]");
    });
  }

  private static void checkFailure(Step step) {
    if (step instanceof Step.Failure failure) {
      failure.serverError().ifPresent(error -> assertThat(error).matches(SERVER_ERROR));
    }
  }

  private static String channelBinding(String gs2, Optional<byte[]> binding) {
    byte[] header = gs2.getBytes(StandardCharsets.UTF_8);
    byte[] data = gs2.startsWith("p=") && binding.isPresent() ? binding.get() : new byte[0];
    byte[] all = Arrays.copyOf(header, header.length + data.length);
    System.arraycopy(data, 0, all, header.length, data.length);
    return Base64.getEncoder().encodeToString(all);
  }

  /** RFC 5802 §3: ClientProof := ClientKey XOR HMAC(StoredKey, AuthMessage). */
  private static String proof(String authMessage) {
    byte[] clientKey = HmacSha256.mac(SALTED, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] signature = HmacSha256.mac(Sha256.digest(clientKey), authMessage.getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < clientKey.length; i++) {
      clientKey[i] ^= signature[i];
    }
    return Base64.getEncoder().encodeToString(clientKey);
  }

  private static byte[] salted() {
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(new PBEKeySpec(PASSWORD.toCharArray(), SALT, ScramCredential.MIN_ITERATIONS, 256))
          .getEncoded();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
