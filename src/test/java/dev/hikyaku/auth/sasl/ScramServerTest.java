package dev.hikyaku.auth.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.ScramMechanism;
import dev.hikyaku.auth.FixedBytes;
import dev.hikyaku.auth.TestVector;
import dev.hikyaku.auth.credential.ScramCredential;
import dev.hikyaku.auth.sasl.ScramServer.Step;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScramServerTest {

  private static final TestVector RFC7677 = TestVector.load("rfc7677-scram-sha-256.txt");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] SERVER_SECRET =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** Stands in for the TLS 1.3 exporter value (RFC 9266): 32 bytes both ends agree on. */
  private static final byte[] EXPORTER = bytes(32, 0x11);

  private static final byte[] OTHER_EXPORTER = bytes(32, 0x22);

  private static final ScramCredential PENCIL =
      ScramCredential.derive("pencil".toCharArray(), 4096, RANDOM);

  private static byte[] bytes(int length, int value) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) value);
    return b;
  }

  // ---- RFC 7677 §3 ------------------------------------------------------------------------

  @Test
  void replaysTheRfc7677Transcript() {
    ScramCredential credential =
        ScramCredential.derive(
            RFC7677.get("password").toCharArray(),
            Integer.parseInt(RFC7677.get("iterations")),
            new FixedBytes(Base64.getDecoder().decode(RFC7677.get("salt"))));
    ScramServer server =
        new ScramServer(false, Optional.empty(), () -> RFC7677.get("server-nonce-suffix"));

    assertThat(server.clientFirst(RFC7677.get("client-first-message")))
        .isEqualTo(new Step.Username(RFC7677.get("username"), Optional.empty()));
    assertThat(server.serverFirst(credential)).isEqualTo(RFC7677.get("server-first-message"));
    assertThat(server.clientFinal(RFC7677.get("client-final-message")))
        .isEqualTo(new Step.ServerFinal(RFC7677.get("server-final-message")));
  }

  @Test
  void rfc7677TranscriptWithAnotherPasswordFailsWithInvalidProof() {
    ScramCredential credential =
        ScramCredential.derive(
            "pencils".toCharArray(),
            4096,
            new FixedBytes(Base64.getDecoder().decode(RFC7677.get("salt"))));
    ScramServer server =
        new ScramServer(false, Optional.empty(), () -> RFC7677.get("server-nonce-suffix"));
    server.clientFirst(RFC7677.get("client-first-message"));
    server.serverFirst(credential);

    assertFailure(server.clientFinal(RFC7677.get("client-final-message")), "invalid-proof");
  }

  // ---- against an independent client (com.ongres.scram:scram-client) --------------------

  @Test
  void plainExchangeWithIndependentClient() throws Exception {
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256"))
            .username("user")
            .password("pencil".toCharArray())
            .build();

    Step end = run(client, new ScramServer(false, Optional.empty(), RANDOM), PENCIL);

    assertThat(client.getScramMechanism()).isEqualTo(ScramMechanism.SCRAM_SHA_256);
    assertSuccessVerifiedBy(client, end);
  }

  @Test
  void plusExchangeWithTlsExporterBinding() throws Exception {
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"))
            .username("user")
            .password("pencil".toCharArray())
            .channelBinding("tls-exporter", EXPORTER)
            .build();
    assertThat(client.getScramMechanism()).isEqualTo(ScramMechanism.SCRAM_SHA_256_PLUS);
    String clientFirst = client.clientFirstMessage().toString();
    assertThat(clientFirst).startsWith("p=tls-exporter,,");

    ScramServer server = new ScramServer(true, Optional.of(EXPORTER.clone()), RANDOM);
    Step end = continueRun(client, clientFirst, server, PENCIL);

    assertSuccessVerifiedBy(client, end);
  }

  @Test
  void clientWithoutChannelBindingMayUsePlainScramOnTls() throws Exception {
    // "n": the client cannot bind at all, which is no downgrade even where -PLUS was offered.
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"))
            .username("user")
            .password("pencil".toCharArray())
            .build();

    Step end = run(client, new ScramServer(false, Optional.of(EXPORTER), RANDOM), PENCIL);

    assertSuccessVerifiedBy(client, end);
  }

  @Test
  void nonAsciiPasswordIsSaslPreppedTheSameWayByBothEnds() throws Exception {
    // RFC 5802 §2.2: both sides Normalize() the password; NBSP becomes SPACE (RFC 4013 §2.1).
    ScramCredential stored =
        ScramCredential.derive("pässwörd\u00A0two".toCharArray(), 4096, RANDOM);
    for (String typed : List.of("pässwörd\u00A0two", "pässwörd two")) {
      ScramClient client =
          ScramClient.builder()
              .advertisedMechanisms(List.of("SCRAM-SHA-256"))
              .username("user")
              .password(typed.toCharArray())
              .build();
      Step end = run(client, new ScramServer(false, Optional.empty(), RANDOM), stored);
      assertSuccessVerifiedBy(client, end);
    }
  }

  @Test
  void wrongPasswordFailsWithInvalidProof() throws Exception {
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"))
            .username("user")
            .password("pencils".toCharArray())
            .channelBinding("tls-exporter", EXPORTER)
            .build();

    Step end = run(client, new ScramServer(true, Optional.of(EXPORTER), RANDOM), PENCIL);

    assertFailure(end, "invalid-proof");
  }

  @Test
  void yFlagWhilePlusWasOfferedIsADowngradeAndFails() {
    // The client can bind but did not see -PLUS (someone stripped it from EHLO), so it says "y".
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256"))
            .username("user")
            .password("pencil".toCharArray())
            .channelBinding("tls-exporter", EXPORTER)
            .build();
    String clientFirst = client.clientFirstMessage().toString();
    assertThat(clientFirst).startsWith("y,,");

    ScramServer server = new ScramServer(false, Optional.of(EXPORTER), RANDOM);

    assertFailure(server.clientFirst(clientFirst), "server-does-support-channel-binding");
  }

  @Test
  void yFlagWhereTheServerCannotBindIsFine() throws Exception {
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256"))
            .username("user")
            .password("pencil".toCharArray())
            .channelBinding("tls-exporter", EXPORTER)
            .build();

    Step end = run(client, new ScramServer(false, Optional.empty(), RANDOM), PENCIL);

    assertSuccessVerifiedBy(client, end);
  }

  @Test
  void mismatchedChannelBindingFails() throws Exception {
    // The client's TLS session is not ours: a man in the middle terminates TLS on both sides.
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"))
            .username("user")
            .password("pencil".toCharArray())
            .channelBinding("tls-exporter", OTHER_EXPORTER)
            .build();

    Step end = run(client, new ScramServer(true, Optional.of(EXPORTER), RANDOM), PENCIL);

    assertFailure(end, "channel-bindings-dont-match");
  }

  @Test
  void otherChannelBindingTypesAreUnsupported() {
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256-PLUS"))
            .username("user")
            .password("pencil".toCharArray())
            .channelBinding("tls-server-end-point", EXPORTER)
            .build();

    assertFailure(
        new ScramServer(true, Optional.of(EXPORTER), RANDOM)
            .clientFirst(client.clientFirstMessage().toString()),
        "unsupported-channel-binding-type");
    assertFailure(
        new ScramServer(true, Optional.of(EXPORTER), RANDOM).clientFirst("p=tls-unique,,n=u,r=abc"),
        "unsupported-channel-binding-type");
  }

  @Test
  void channelBindingFlagMustMatchTheMechanism() {
    assertFailure(
        new ScramServer(false, Optional.of(EXPORTER), RANDOM)
            .clientFirst("p=tls-exporter,,n=u,r=abc"),
        "other-error");
    assertFailure(
        new ScramServer(true, Optional.of(EXPORTER), RANDOM).clientFirst("n,,n=u,r=abc"),
        "other-error");
    assertFailure(
        new ScramServer(true, Optional.empty(), RANDOM).clientFirst("y,,n=u,r=abc"), "other-error");
    assertFailure(
        new ScramServer(true, Optional.empty(), RANDOM).clientFirst("p=tls-exporter,,n=u,r=abc"),
        "channel-binding-not-supported");
  }

  @Test
  void channelBindingValueMustBeThirtyTwoBytes() {
    assertThatThrownBy(() -> new ScramServer(true, Optional.of(new byte[31]), RANDOM))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("31");
  }

  // ---- client-first-message parsing ---------------------------------------------------------

  @Test
  void usernameEscapesAreDecodedAndAuthzidReturned() throws Exception {
    ScramServer server = new ScramServer(false, Optional.empty(), RANDOM);

    assertThat(server.clientFirst("n,a=boss=2Cin=3Dchief,n=a=2Cb=3Dc,r=xyz"))
        .isEqualTo(new Step.Username("a,b=c", Optional.of("boss,in=chief")));

    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256"))
            .username("odd,name=yes")
            .password("pencil".toCharArray())
            .authzid("ops")
            .build();
    ScramServer second = new ScramServer(false, Optional.empty(), RANDOM);
    String clientFirst = client.clientFirstMessage().toString();
    assertThat(second.clientFirst(clientFirst))
        .isEqualTo(new Step.Username("odd,name=yes", Optional.of("ops")));
    client.serverFirstMessage(second.serverFirst(PENCIL));
    Step end = second.clientFinal(client.clientFinalMessage().toString());
    assertSuccessVerifiedBy(client, end);
  }

  @Test
  void usernameIsSaslPreppedAsAQueryString() {
    // RFC 4013 §2.1/§2.2: NBSP maps to SPACE, soft hyphen to nothing; unassigned U+0221 is allowed
    // in a query (RFC 5802 §5.1), prohibited control characters are not.
    assertThat(
            new ScramServer(false, Optional.empty(), RANDOM)
                .clientFirst("n,,n=us\u00ADer\u00A0x,r=abc"))
        .isEqualTo(new Step.Username("user x", Optional.empty()));
    assertThat(new ScramServer(false, Optional.empty(), RANDOM).clientFirst("n,,n=\u0221,r=abc"))
        .isInstanceOf(Step.Username.class);
    assertFailure(
        new ScramServer(false, Optional.empty(), RANDOM).clientFirst("n,,n=bell\u0007,r=abc"),
        "invalid-username-encoding");
    assertFailure(
        new ScramServer(false, Optional.empty(), RANDOM).clientFirst("n,,n=\u00AD,r=abc"),
        "invalid-username-encoding");
    assertFailure(
        new ScramServer(false, Optional.empty(), RANDOM).clientFirst("n,,n=a=2Xb,r=abc"),
        "invalid-username-encoding");
    assertFailure(
        new ScramServer(false, Optional.empty(), RANDOM).clientFirst("n,,n=ab=,r=abc"),
        "invalid-username-encoding");
  }

  @Test
  void mandatoryExtensionIsRefused() {
    assertFailure(
        new ScramServer(false, Optional.empty(), RANDOM).clientFirst("n,,m=ext,n=user,r=abc"),
        "extensions-not-supported");
  }

  @Test
  void optionalExtensionsAreIgnored() {
    // RFC 5802 §5.1: unrecognised attributes after the nonce "MUST be ignored".
    assertThat(
            new ScramServer(false, Optional.empty(), RANDOM)
                .clientFirst("n,,n=user,r=abc,x=1,z=two"))
        .isEqualTo(new Step.Username("user", Optional.empty()));
  }

  @Test
  void malformedClientFirstMessagesFailWithInvalidEncoding() {
    List<String> malformed =
        List.of(
            "",
            "n",
            "n,",
            "n,,",
            "n,,n=user",
            "n,,r=abc",
            "n,,r=abc,n=user",
            "x,,n=user,r=abc",
            "p=,,n=user,r=abc",
            "p=tls exporter,,n=user,r=abc",
            "n,b=authz,n=user,r=abc",
            "n,a=,n=user,r=abc",
            "n,,n=user,r=",
            "n,,n=user,r=ab\u00e9",
            "n,,n=user,r=abc,",
            "n,,n=user,r=abc,1=x",
            "n,,n=user,r=abc,x=");
    for (String message : malformed) {
      assertFailure(
          new ScramServer(false, Optional.empty(), RANDOM).clientFirst(message),
          "invalid-encoding");
    }
    assertFailure(
        new ScramServer(false, Optional.empty(), RANDOM).clientFirst("n,,n=,r=abc"),
        "invalid-username-encoding");
  }

  // ---- server-first and client-final ---------------------------------------------------------

  @Test
  void serverNonceIsClientNoncePlusEighteenRandomBytes() {
    ScramServer server = new ScramServer(false, Optional.empty(), RANDOM);
    server.clientFirst("n,,n=user,r=clientnonce");

    String serverFirst = server.serverFirst(PENCIL);

    assertThat(serverFirst).matches("r=clientnonce[A-Za-z0-9+/]{24},s=[A-Za-z0-9+/=]+,i=4096");
    String suffix = serverFirst.substring("r=clientnonce".length(), serverFirst.indexOf(','));
    assertThat(Base64.getDecoder().decode(suffix)).hasSize(18);
  }

  @Test
  void clientFinalWithAnotherNonceFails() {
    ScramServer server = new ScramServer(false, Optional.empty(), () -> "SERVER");
    server.clientFirst("n,,n=user,r=abc");
    server.serverFirst(PENCIL);

    assertFailure(server.clientFinal("c=biws,r=abcOTHER,p=" + zeroProof()), "other-error");
  }

  @Test
  void clientFinalWithTheWrongGs2HeaderInCFails() {
    ScramServer server = new ScramServer(false, Optional.empty(), () -> "SERVER");
    server.clientFirst("n,a=boss,n=user,r=abc");
    server.serverFirst(PENCIL);

    // "biws" is base64("n,,"), but the client's header was "n,a=boss,".
    assertFailure(
        server.clientFinal("c=biws,r=abcSERVER,p=" + zeroProof()), "channel-bindings-dont-match");
  }

  @Test
  void malformedClientFinalMessagesFailWithInvalidEncoding() {
    List<String> malformed =
        List.of(
            "",
            "c=biws,r=abcSERVER",
            "r=abcSERVER,c=biws,p=" + zeroProof(),
            "c=biws,p=" + zeroProof(),
            "c=b!ws,r=abcSERVER,p=" + zeroProof(),
            "c=biws,r=abcSERVER,p=not*base64",
            "c=biws,r=abcSERVER,1=x,p=" + zeroProof());
    for (String message : malformed) {
      ScramServer server = new ScramServer(false, Optional.empty(), () -> "SERVER");
      server.clientFirst("n,,n=user,r=abc");
      server.serverFirst(PENCIL);
      assertFailure(server.clientFinal(message), "invalid-encoding");
    }
  }

  @Test
  void proofOfTheWrongLengthIsAnInvalidProof() {
    ScramServer server = new ScramServer(false, Optional.empty(), () -> "SERVER");
    server.clientFirst("n,,n=user,r=abc");
    server.serverFirst(PENCIL);

    assertFailure(server.clientFinal("c=biws,r=abcSERVER,p=AAAA"), "invalid-proof");
  }

  @Test
  void stepsOutOfOrderAreBugs() {
    ScramServer fresh = new ScramServer(false, Optional.empty(), RANDOM);
    assertThatThrownBy(() -> fresh.serverFirst(PENCIL)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> fresh.clientFinal("c=biws,r=a,p=AAAA"))
        .isInstanceOf(IllegalStateException.class);

    ScramServer failed = new ScramServer(false, Optional.empty(), RANDOM);
    failed.clientFirst("garbage");
    assertThatThrownBy(() -> failed.serverFirst(PENCIL)).isInstanceOf(IllegalStateException.class);

    ScramServer started = new ScramServer(false, Optional.empty(), RANDOM);
    started.clientFirst("n,,n=user,r=abc");
    assertThatThrownBy(() -> started.clientFirst("n,,n=user,r=abc"))
        .isInstanceOf(IllegalStateException.class);
  }

  // ---- unknown users -------------------------------------------------------------------------

  @Test
  void dummyCredentialIsStablePerUserAndSecretAndLooksReal() {
    ScramCredential first = ScramServer.dummyFor("nobody@example.com", SERVER_SECRET, 4096);

    assertThat(ScramServer.dummyFor("nobody@example.com", SERVER_SECRET, 4096)).isEqualTo(first);
    assertThat(ScramServer.dummyFor("other@example.com", SERVER_SECRET, 4096).salt())
        .isNotEqualTo(first.salt());
    assertThat(ScramServer.dummyFor("nobody@example.com", bytes(32, 7), 4096).salt())
        .isNotEqualTo(first.salt());
    assertThat(first.salt()).hasSize(16);
    assertThat(first.iterations()).isEqualTo(4096);
    assertThat(ScramServer.dummyFor("nobody@example.com", SERVER_SECRET, 8192).iterations())
        .isEqualTo(8192);
  }

  @Test
  void repeatedProbesOfAnUnknownUserSeeTheSameSaltAndCount() {
    String[] answers = new String[2];
    for (int i = 0; i < 2; i++) {
      ScramServer server = new ScramServer(false, Optional.empty(), () -> "SERVER");
      server.clientFirst("n,,n=ghost,r=abc");
      answers[i] = server.serverFirst(ScramServer.dummyFor("ghost", SERVER_SECRET, 4096));
    }
    assertThat(answers[0]).isEqualTo(answers[1]);
  }

  @Test
  void unknownUserFailsExactlyLikeAWrongPassword() throws Exception {
    for (String password : List.of("pencil", "", "anything at all")) {
      ScramClient client =
          ScramClient.builder()
              .advertisedMechanisms(List.of("SCRAM-SHA-256"))
              .username("ghost")
              .password(password.isEmpty() ? "x".toCharArray() : password.toCharArray())
              .build();
      ScramServer server = new ScramServer(false, Optional.empty(), RANDOM);
      Step end = run(client, server, ScramServer.dummyFor("ghost", SERVER_SECRET, 4096));
      assertFailure(end, "invalid-proof");
    }
  }

  @Test
  void dummySecretMustBeLongEnoughForHmac() {
    assertThatThrownBy(() -> ScramServer.dummyFor("u", new byte[16], 4096))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32");
  }

  @Test
  void toStringsShowNoKeys() {
    ScramServer server = new ScramServer(true, Optional.of(EXPORTER), RANDOM);
    assertThat(server.toString())
        .doesNotContain(Base64.getEncoder().encodeToString(EXPORTER))
        .contains("PLUS");
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private static Step run(ScramClient client, ScramServer server, ScramCredential credential)
      throws Exception {
    return continueRun(client, client.clientFirstMessage().toString(), server, credential);
  }

  private static Step continueRun(
      ScramClient client, String clientFirst, ScramServer server, ScramCredential credential)
      throws Exception {
    Step first = server.clientFirst(clientFirst);
    assertThat(first).isInstanceOf(Step.Username.class);
    client.serverFirstMessage(server.serverFirst(credential));
    return server.clientFinal(client.clientFinalMessage().toString());
  }

  private static void assertSuccessVerifiedBy(ScramClient client, Step end) throws Exception {
    assertThat(end).isInstanceOf(Step.ServerFinal.class);
    // Throws unless v= is the ServerSignature the client expects (mutual authentication).
    client.serverFinalMessage(((Step.ServerFinal) end).message());
  }

  private static void assertFailure(Step step, String serverError) {
    assertThat(step)
        .isInstanceOfSatisfying(
            Step.Failure.class,
            failure -> {
              assertThat(failure.serverError()).contains(serverError);
              assertThat(failure.reason()).isNotBlank().doesNotContain("pencil");
            });
  }

  private static String zeroProof() {
    return Base64.getEncoder().encodeToString(new byte[32]);
  }
}
