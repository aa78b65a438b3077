package dev.hikyaku.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.auth.credential.Enrolment;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.auth.credential.PasswordHasher;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.auth.sasl.SaslMechanism;
import dev.hikyaku.auth.sasl.SaslStep;
import dev.hikyaku.store.Credentials;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authenticator against a real store: every mechanism's outcome, and the refusals that must look alike. */
class AuthenticatorTest {

  private static final java.net.InetAddress CLIENT = java.net.InetAddress.getLoopbackAddress();

  @TempDir Path data;
  private Store store;
  private Authenticator authenticator;
  private Enrolment enrolment;
  private final SecureRandom random = new SecureRandom();

  @BeforeEach
  void open() throws Exception {
    store = Store.openSqlite(data, Clock.systemUTC());
    PasswordHasher hasher = dev.hikyaku.testing.TestServers.hasher();
    enrolment = new Enrolment(hasher, 4096, true, random);
    authenticator =
        new Authenticator(
            store.accounts(),
            store.appPasswords(),
            store.serverSecret(),
            store.apiKeys(),
            hasher,
            new VerificationCache(Duration.ofSeconds(60), 100, Clock.systemUTC()),
            Optional.empty(),
            Optional.empty(),
            new Authenticator.Settings(4096, true, "mx.hikyaku.test"),
            Clock.systemUTC(),
            random);
    store.domains().add("hikyaku.test");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void account(String address, String password) throws Exception {
    String domain = address.contains("@") ? address.substring(address.indexOf('@') + 1) : null;
    if (domain != null && !store.domains().list().contains(domain)) {
      store.domains().add(domain);
    }
    store.accounts().create(address, enrolment.credentials(password.toCharArray()), FromHeaderPolicy.REJECT);
  }

  private AuthOutcome plain(String message) {
    SaslStep step = authenticator.begin(Mechanism.PLAIN, Optional.empty(), CLIENT).start(Optional.of(bytes(message)));
    return ((SaslStep.Done) step).outcome();
  }

  private static byte[] bytes(String text) {
    return text.replace("\\0", "\0").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void rfc4616Vectors() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("src/test/resources/vectors/rfc4616-plain.txt"));
    List<String[]> vectors = new ArrayList<>();
    String message = null;
    String account = null;
    for (String line : lines) {
      if (line.startsWith("message: ")) {
        message = line.substring(9);
      } else if (line.startsWith("account: ")) {
        account = line.substring(9);
      } else if (line.startsWith("outcome: ")) {
        vectors.add(new String[] {message, account, line.substring(9)});
      }
    }
    assertThat(vectors).hasSize(2);
    for (String[] v : vectors) {
      String[] acct = v[1].split(" ");
      // RFC 4616's examples use bare user names; here every login is an address in a domain.
      account(acct[0] + "@hikyaku.test", acct[1]);
      AuthOutcome outcome = plain(v[0].replace("tim\\0", "tim@hikyaku.test\\0").replace("Kurt\\0", "kurt@hikyaku.test\\0"));
      if (v[2].startsWith("authenticated ")) {
        assertThat(outcome).isInstanceOfSatisfying(
            AuthOutcome.Authenticated.class,
            ok -> assertThat(ok.principal().account()).isEqualTo(v[2].substring(14) + "@hikyaku.test"));
      } else {
        assertThat(outcome).isInstanceOfSatisfying(
            AuthOutcome.Refused.class, r -> assertThat(r.refusal().name()).isEqualTo(v[2].substring(8)));
      }
    }
  }

  @Test
  void unknownDisabledAndWrongAllRefuseAlike() throws Exception {
    account("alice@hikyaku.test", "correct horse battery staple");
    account("dave@hikyaku.test", "another long pass phrase");
    store.accounts().setDisabled("dave@hikyaku.test", true);
    for (String message :
        List.of(
            "\\0alice@hikyaku.test\\0wrong horse battery staple",
            "\\0nobody@hikyaku.test\\0correct horse battery staple",
            "\\0dave@hikyaku.test\\0another long pass phrase")) {
      assertThat(plain(message))
          .isInstanceOfSatisfying(
              AuthOutcome.Refused.class, r -> assertThat(r.refusal()).isEqualTo(AuthOutcome.Refusal.INVALID_CREDENTIALS));
    }
    assertThat(plain("\\0ALICE@hikyaku.test\\0correct horse battery staple")).isInstanceOf(AuthOutcome.Authenticated.class);
  }

  @Test
  void aPasswordSaslPrepRefusesGetsNoScramCredentialAndStillWorksWithPlain() throws Exception {
    // U+1F600 is unassigned in Unicode 3.2, so SASLprep (RFC 4013) refuses it: RFC 5802 §2.2 gives
    // such a password no SCRAM credential, and enrolment must not fail over it.
    String password = "correct horse \uD83D\uDE00 staple";
    account("emoji@hikyaku.test", password);
    var stored = store.accounts().find("emoji@hikyaku.test").orElseThrow().credentials();
    assertThat(stored.scramSha256()).isEmpty();
    assertThat(stored.argon2id()).isPresent();
    assertThat(plain("\\0emoji@hikyaku.test\\0" + password)).isInstanceOf(AuthOutcome.Authenticated.class);
  }

  @Test
  void appPasswordsWorkUntilRevoked() throws Exception {
    account("alice@hikyaku.test", "correct horse battery staple");
    String secret = GeneratedSecrets.newAppPassword(random);
    store.appPasswords().add("alice@hikyaku.test", "laptop", GeneratedSecrets.keyedHash(store.serverSecret().value(), secret));
    AuthOutcome ok = plain("\\0alice@hikyaku.test\\0" + secret);
    assertThat(ok).isInstanceOfSatisfying(AuthOutcome.Authenticated.class, a -> assertThat(a.credential()).contains("laptop"));
    store.appPasswords().revoke("alice@hikyaku.test", "laptop");
    assertThat(plain("\\0alice@hikyaku.test\\0" + secret)).isInstanceOf(AuthOutcome.Refused.class);
  }

  @Test
  void storeDownIsTemporary() throws Exception {
    account("alice@hikyaku.test", "correct horse battery staple");
    store.close();
    assertThat(plain("\\0alice@hikyaku.test\\0correct horse battery staple"))
        .isInstanceOfSatisfying(AuthOutcome.Refused.class, r -> assertThat(r.refusal()).isEqualTo(AuthOutcome.Refusal.UNAVAILABLE));
  }

  @Test
  void cramMd5VerifiesAndIsTooWeakWithoutItsSecret() throws Exception {
    account("alice@hikyaku.test", "correct horse battery staple");
    store.domains().add("legacy.test");
    // An account enrolled while CRAM-MD5 was off has no CRAM-MD5 secret.
    store.accounts().create(
        "old@legacy.test",
        new Credentials(enrolment.credentials("some long pass phrase".toCharArray()).argon2id(), Optional.empty(), Optional.empty()),
        FromHeaderPolicy.REJECT);

    assertThat(cram("alice@hikyaku.test", "correct horse battery staple")).isInstanceOf(AuthOutcome.Authenticated.class);
    assertThat(cram("alice@hikyaku.test", "wrong"))
        .isInstanceOfSatisfying(AuthOutcome.Refused.class, r -> assertThat(r.refusal()).isEqualTo(AuthOutcome.Refusal.INVALID_CREDENTIALS));
    // RFC 4954 §6 534 5.7.9; an unknown account gets the same answer as one without the secret.
    assertThat(cram("old@legacy.test", "some long pass phrase"))
        .isInstanceOfSatisfying(AuthOutcome.Refused.class, r -> assertThat(r.refusal()).isEqualTo(AuthOutcome.Refusal.TOO_WEAK));
    assertThat(cram("nobody@hikyaku.test", "x"))
        .isInstanceOfSatisfying(AuthOutcome.Refused.class, r -> assertThat(r.refusal()).isEqualTo(AuthOutcome.Refusal.TOO_WEAK));
  }

  /** A CRAM-MD5 client per RFC 2195 §2, written from the RFC: HMAC-MD5(password, challenge) in hex. */
  private AuthOutcome cram(String user, String password) throws Exception {
    SaslMechanism exchange = authenticator.begin(Mechanism.CRAM_MD5, Optional.empty(), CLIENT);
    byte[] challenge = ((SaslStep.Challenge) exchange.start(Optional.empty())).data();
    Mac mac = Mac.getInstance("HmacMD5");
    mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacMD5"));
    String digest = HexFormat.of().formatHex(mac.doFinal(challenge));
    return ((SaslStep.Done) exchange.respond((user + " " + digest).getBytes(StandardCharsets.UTF_8))).outcome();
  }

  @Test
  void challengesAreUnique() {
    byte[] first = ((SaslStep.Challenge) authenticator.begin(Mechanism.CRAM_MD5, Optional.empty(), CLIENT).start(Optional.empty())).data();
    byte[] second = ((SaslStep.Challenge) authenticator.begin(Mechanism.CRAM_MD5, Optional.empty(), CLIENT).start(Optional.empty())).data();
    assertThat(MessageDigest.isEqual(first, second)).isFalse();
    assertThat(new String(first, StandardCharsets.US_ASCII)).matches("<\\d+\\.\\d+@mx\\.hikyaku\\.test>");
  }

  @Test
  void availabilityFollowsTlsBindingAndConfig() {
    List<Mechanism> all = List.of(Mechanism.values());
    assertThat(authenticator.available(all, false, true)).isEmpty();
    assertThat(authenticator.available(all, true, false))
        .containsExactly(Mechanism.PLAIN, Mechanism.LOGIN, Mechanism.CRAM_MD5, Mechanism.SCRAM_SHA_256);
    assertThat(authenticator.available(all, true, true)).contains(Mechanism.SCRAM_SHA_256_PLUS).doesNotContain(Mechanism.XOAUTH2);
  }
}
