package dev.hikyaku.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScramSha256ClientTest {

  // RFC 7677 §3: user "user", password "pencil", this client nonce and this server-first-message.
  private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
  private static final String SERVER_FIRST =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

  @Test
  void reproducesTheExchangeOfRfc7677Section3() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", CLIENT_NONCE, null);

    assertThat(client.clientFirst()).isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    assertThat(client.clientFinal(SERVER_FIRST))
        .isEqualTo(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    assertThat(client.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).isTrue();
  }

  @Test
  void cachedKeysGiveTheSameProof() {
    ScramSha256Client.KeyCache cache = new ScramSha256Client.KeyCache();
    for (int i = 0; i < 2; i++) {
      ScramSha256Client client = new ScramSha256Client("user", "pencil", CLIENT_NONCE, cache);
      client.clientFirst();
      assertThat(client.clientFinal(SERVER_FIRST)).endsWith("p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    }
  }

  @Test
  void refusesAWrongServerSignatureAndAnErrorAttribute() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", CLIENT_NONCE, null);
    client.clientFirst();
    client.clientFinal(SERVER_FIRST);

    assertThat(client.verifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).isFalse();
    assertThat(client.verifyServerFinal("e=invalid-proof")).isFalse();
  }

  @Test
  void refusesAServerNonceThatDoesNotExtendTheClientNonce() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", CLIENT_NONCE, null);
    client.clientFirst();

    assertThatThrownBy(() -> client.clientFinal("r=someoneElsesNonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nonce");
    assertThatThrownBy(() -> new ScramSha256Client("user", "pencil", CLIENT_NONCE, null).clientFinal(SERVER_FIRST))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void escapesCommaAndEqualsInTheUserName() {
    assertThat(ScramSha256Client.saslName("a,b=c")).isEqualTo("a=2Cb=3Dc");
  }

  @Test
  void refusesNonAsciiPasswordsRatherThanSkipSaslPrep() {
    assertThatThrownBy(() -> new ScramSha256Client("user", "p\u00e4ss", CLIENT_NONCE, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SASLprep")
        .hasMessageNotContaining("p\u00e4ss");
  }
}
