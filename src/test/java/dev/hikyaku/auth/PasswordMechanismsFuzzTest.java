package dev.hikyaku.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hikyaku.auth.credential.Argon2Parameters;
import dev.hikyaku.auth.credential.Enrolment;
import dev.hikyaku.auth.credential.PasswordHasher;
import dev.hikyaku.auth.credential.ScramCredential;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.auth.sasl.SaslMechanism;
import dev.hikyaku.auth.sasl.SaslStep;
import dev.hikyaku.protocol.Utf8;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Fuzzes the password mechanisms an unauthenticated client reaches, PLAIN (RFC 4616), LOGIN and
 * CRAM-MD5 (RFC 2195), through the real {@link Authenticator} over a real store with one account.
 * Argon2id runs with its smallest legal cost (8 KiB, one pass) so that every input, well formed or
 * not, reaches the account lookup and the password check at fuzzing speed.
 *
 * <p>Input: octet 0 picks the mechanism (mod 3) and, in bit 2, whether the first response is sent
 * as the initial response of {@code AUTH}; the rest is the client's responses, decoded from base64,
 * separated by octet 0xFF (never part of UTF-8, so never inside a response the server would take).
 * {@code %P} in a response stands for the account's password and {@code %D} for the right CRAM-MD5
 * digest of the challenge, so the fuzzer gets past the secret checks it cannot see.
 *
 * <p>Invariants: no exception; a mechanism asks for at most as many responses as its protocol has
 * steps (PLAIN one, LOGIN two, CRAM-MD5 one) and then ends; an exchange authenticates exactly when
 * an independent reading of the responses names the account (case folded with the root locale), with the right
 * secret and (PLAIN) no other authorization identity, and then as that account; a refusal's log
 * text names only the user name the client claimed and never carries the password otherwise.
 */
class PasswordMechanismsFuzzTest {

  private static final int MAX_INPUT = 4096;
  private static final String ACCOUNT = "alice@hikyaku.test";
  private static final String PASSWORD = "correct horse battery staple";
  private static final Mechanism[] MECHANISMS = {Mechanism.PLAIN, Mechanism.LOGIN, Mechanism.CRAM_MD5};
  private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();
  private static final Authenticator AUTHENTICATOR = authenticator();

  @FuzzTest(maxDuration = "10s")
  void exchange(byte[] input) {
    if (input.length < 1 || input.length > MAX_INPUT) {
      return;
    }
    Mechanism mechanism = MECHANISMS[(input[0] & 0xff) % MECHANISMS.length];
    boolean initial = (input[0] & 4) != 0;
    List<byte[]> responses = split(input);

    SaslMechanism exchange = AUTHENTICATOR.begin(mechanism, Optional.empty(), CLIENT);
    List<byte[]> sent = new ArrayList<>();
    String challengeText = "";
    SaslStep step;
    int next = 0;
    if (initial && !responses.isEmpty()) {
      byte[] first = substitute(responses.get(next++), "");
      sent.add(first.clone());
      step = exchange.start(Optional.of(first));
    } else {
      step = exchange.start(Optional.empty());
    }
    int challenges = 0;
    while (step instanceof SaslStep.Challenge challenge && next < responses.size()) {
      challenges++;
      assertThat(challenges).as("%s asked for more responses than it has steps", mechanism).isLessThanOrEqualTo(steps(mechanism));
      challengeText = new String(challenge.data(), StandardCharsets.US_ASCII);
      byte[] response = substitute(responses.get(next++), challengeText);
      sent.add(response.clone());
      step = exchange.respond(response);
    }
    if (!(step instanceof SaslStep.Done done)) {
      assertThat(step).isInstanceOf(SaslStep.Challenge.class);
      return;
    }
    // CRAM-MD5 has the server speak first (RFC 2195): an initial response is refused whatever it says.
    boolean shouldSucceed = !(initial && mechanism == Mechanism.CRAM_MD5) && isRight(mechanism, sent, challengeText);
    switch (done.outcome()) {
      case AuthOutcome.Authenticated ok -> {
        assertThat(shouldSucceed).as("%s authenticated %s", mechanism, printable(sent)).isTrue();
        assertThat(ok.principal().account()).isEqualTo(ACCOUNT);
        assertThat(ok.mechanism()).isEqualTo(mechanism);
      }
      case AuthOutcome.Refused refused -> {
        assertThat(shouldSucceed).as("%s refused %s: %s", mechanism, printable(sent), refused).isFalse();
        assertThat(refused.reason()).doesNotContain(PASSWORD);
        // The log names only the account the client claimed (what it typed as its user name), never
        // any part of the secret field.
        if (!refused.account().isEmpty()) {
          assertThat(claimedName(mechanism, sent).map(n -> n.toLowerCase(java.util.Locale.ROOT)))
              .as("%s refused %s", mechanism, printable(sent))
              .contains(refused.account().toLowerCase(java.util.Locale.ROOT));
        }
      }
    }
  }

  private static int steps(Mechanism mechanism) {
    return mechanism == Mechanism.LOGIN ? 2 : 1;
  }

  /** Whether the responses, read independently of the mechanisms' code, carry the right secret. */
  private static boolean isRight(Mechanism mechanism, List<byte[]> sent, String challenge) {
    return claim(mechanism, sent)
        .filter(claim -> isAccount(claim.name()))
        // RFC 4616 §2: an authorization identity other than the authentication identity is refused.
        .filter(claim -> claim.authzid().map(a -> a.isEmpty() || a.equalsIgnoreCase(claim.name())).orElse(true))
        .flatMap(Claim::secret)
        .map(secret -> mechanism == Mechanism.CRAM_MD5 ? secret.equalsIgnoreCase(cramDigest(challenge)) : secret.equals(PASSWORD))
        .orElse(false);
  }

  /** The user name the client sent, as an independent reading of the responses finds it. */
  private static Optional<String> claimedName(Mechanism mechanism, List<byte[]> sent) {
    return claim(mechanism, sent).map(Claim::name);
  }

  /** What a client claimed: a user name, PLAIN's authorization identity, and the secret once sent. */
  private record Claim(String name, Optional<String> authzid, Optional<String> secret) {}

  private static Optional<Claim> claim(Mechanism mechanism, List<byte[]> sent) {
    Optional<String> first = sent.isEmpty() ? Optional.empty() : Optional.ofNullable(strictUtf8(sent.getFirst()));
    return first.flatMap(text -> switch (mechanism) {
      case PLAIN -> {
        String[] fields = text.split("\0", -1);
        yield fields.length == 3 ? Optional.of(new Claim(fields[1], Optional.of(fields[0]), Optional.of(fields[2]))) : Optional.empty();
      }
      case LOGIN -> Optional.of(new Claim(
          text, Optional.empty(), sent.size() == 2 ? Optional.ofNullable(strictUtf8(sent.get(1))) : Optional.empty()));
      case CRAM_MD5 -> {
        int space = text.lastIndexOf(' ');
        yield space > 0 ? Optional.of(new Claim(text.substring(0, space), Optional.empty(), Optional.of(text.substring(space + 1)))) : Optional.empty();
      }
      default -> throw new IllegalStateException(mechanism.name());
    });
  }

  /** The server folds case in user names with the root locale (no Turkish dotless i, no Kelvin sign). */
  private static boolean isAccount(String name) {
    return name.toLowerCase(java.util.Locale.ROOT).equals(ACCOUNT);
  }

  private static List<byte[]> split(byte[] input) {
    List<byte[]> parts = new ArrayList<>();
    int from = 1;
    for (int i = 1; i <= input.length; i++) {
      if (i == input.length || input[i] == (byte) 0xff) {
        byte[] part = new byte[i - from];
        System.arraycopy(input, from, part, 0, part.length);
        parts.add(part);
        from = i + 1;
      }
    }
    return parts;
  }

  private static byte[] substitute(byte[] response, String challenge) {
    String text = new String(response, StandardCharsets.ISO_8859_1);
    if (!text.contains("%P") && !text.contains("%D")) {
      return response;
    }
    String password = new String(PASSWORD.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    text = text.replace("%P", password);
    if (!challenge.isEmpty()) {
      text = text.replace("%D", cramDigest(challenge));
    }
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String cramDigest(String challenge) {
    try {
      Mac mac = Mac.getInstance("HmacMD5");
      mac.init(new SecretKeySpec(PASSWORD.getBytes(StandardCharsets.UTF_8), "HmacMD5"));
      return HexFormat.of().formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String strictUtf8(byte[] bytes) {
    return Utf8.decode(bytes).orElse(null);
  }

  private static String printable(List<byte[]> sent) {
    return sent.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1).replace("\0", "\\0")).toList().toString();
  }

  private static Authenticator authenticator() {
    try {
      Path data = Files.createTempDirectory("hikyaku-fuzz-auth");
      data.toFile().deleteOnExit();
      Store store = Store.openSqlite(data, Clock.systemUTC());
      PasswordHasher hasher = new PasswordHasher(new Argon2Parameters(8, 1, 1));
      SecureRandom random = new SecureRandom();
      store.domains().add("hikyaku.test");
      store.accounts()
          .create(ACCOUNT, new Enrolment(hasher, ScramCredential.MIN_ITERATIONS, true, random).credentials(PASSWORD.toCharArray()), FromHeaderPolicy.REJECT);
      return new Authenticator(
          store.accounts(),
          store.appPasswords(),
          store.serverSecret(),
          store.apiKeys(),
          hasher,
          new VerificationCache(Duration.ofSeconds(60), 100, Clock.systemUTC()),
          Optional.empty(),
          Optional.empty(),
          new Authenticator.Settings(ScramCredential.MIN_ITERATIONS, true, "mx.hikyaku.test"),
          Clock.systemUTC(),
          random);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
