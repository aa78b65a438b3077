package dev.hikyaku.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.testing.SettableClock;
import dev.hikyaku.testing.TestServers;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's sign-in against a real store and the server's authenticator: the account password
 * and a TOTP code, each code good once; what else would let someone in does not.
 */
class ConsoleSignInTest {

  private static final String ALICE = "alice@" + TestServers.HOSTED_DOMAIN;
  private static final String BOB = "bob@" + TestServers.HOSTED_DOMAIN;
  private static final String PASSWORD = "a long console pass phrase 42";
  private static final byte[] SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path data;
  private Server server;
  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T10:00:10Z"));
  private ConsoleSignIn signIn;
  private final InetAddress client = InetAddress.getLoopbackAddress();

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data);
    TestServers.createAccount(server, ALICE, PASSWORD);
    TestServers.createAccount(server, BOB, PASSWORD);
    server.store().consoleAdmins().add(ALICE, SECRET);
    Authenticator authenticator = Server.authenticator(server.config(), server.store(), Optional.empty(), clock, new SecureRandom());
    signIn = new ConsoleSignIn(authenticator, server.store().consoleAdmins(), Totp.standard(), clock);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String code() {
    return Totp.standard().code(SECRET, Totp.stepOf(clock.instant()));
  }

  @Test
  void thePasswordAndACodeSignInAndTheCodeIsGoodOnce() {
    String code = code();
    assertThat(signIn.signIn(ALICE, PASSWORD.toCharArray(), code, client)).isEqualTo(new ConsoleSignIn.Outcome.SignedIn(ALICE));
    assertThat(signIn.signIn(ALICE, PASSWORD.toCharArray(), code, client))
        .isEqualTo(new ConsoleSignIn.Outcome.Refused(ALICE, "TOTP code used before (RFC 6238 §5.2)"));
    clock.advance(Duration.ofSeconds(30));
    assertThat(signIn.signIn(ALICE, PASSWORD.toCharArray(), code(), client)).isInstanceOf(ConsoleSignIn.Outcome.SignedIn.class);
  }

  @Test
  void aWrongPasswordSpendsNoCodeAndAWrongCodeIsRefused() {
    String code = code();
    assertThat(signIn.signIn(ALICE, "not the password".toCharArray(), code, client))
        .isEqualTo(new ConsoleSignIn.Outcome.Refused(ALICE, "wrong password"));
    assertThat(signIn.signIn(ALICE, PASSWORD.toCharArray(), code, client)).as("the code was not used up")
        .isInstanceOf(ConsoleSignIn.Outcome.SignedIn.class);
    String wrong = code.equals("000000") ? "111111" : "000000";
    clock.advance(Duration.ofSeconds(30));
    assertThat(signIn.signIn(ALICE, PASSWORD.toCharArray(), wrong, client))
        .isEqualTo(new ConsoleSignIn.Outcome.Refused(ALICE, "wrong TOTP code"));
    assertThat(signIn.signIn(ALICE, PASSWORD.toCharArray(), null, client))
        .isEqualTo(new ConsoleSignIn.Outcome.Refused(ALICE, "wrong TOTP code"));
  }

  @Test
  void noAdminNoUnknownAccountAndNoAppPasswordGetsIn() throws Exception {
    assertThat(signIn.signIn(BOB, PASSWORD.toCharArray(), code(), client))
        .isEqualTo(new ConsoleSignIn.Outcome.Refused(BOB, "not a console admin"));
    assertThat(signIn.signIn("nobody@" + TestServers.HOSTED_DOMAIN, PASSWORD.toCharArray(), code(), client))
        .isEqualTo(new ConsoleSignIn.Outcome.Refused("nobody@" + TestServers.HOSTED_DOMAIN, "unknown account"));
    String appPassword = GeneratedSecrets.newAppPassword(new SecureRandom());
    server.store().appPasswords().add(ALICE, "laptop", GeneratedSecrets.keyedHash(server.store().serverSecret().value(), appPassword));
    assertThat(signIn.signIn(ALICE, appPassword.toCharArray(), code(), client))
        .isEqualTo(new ConsoleSignIn.Outcome.Refused(ALICE, "signed in with app password 'laptop', not the account's password"));
  }
}
