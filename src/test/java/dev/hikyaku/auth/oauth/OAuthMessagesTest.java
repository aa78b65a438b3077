package dev.hikyaku.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hikyaku.auth.oauth.OAuthMessages.BearerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The XOAUTH2 and OAUTHBEARER message formats, from the specifications' own examples. */
class OAuthMessagesTest {

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private static final String RFC_TOKEN = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";

  /** The examples write {@code ^A} for the %x01 separator. */
  private static byte[] msg(String withCaretA) {
    return withCaretA.replace("^A", "\u0001").getBytes(StandardCharsets.UTF_8);
  }

  // --- OAUTHBEARER (RFC 7628) ---

  @Test
  void parsesTheRfc7628Section41Example() {
    byte[] response =
        msg("n,a=user@example.com,^Ahost=server.example.com^Aport=143^Aauth=Bearer " + RFC_TOKEN + "^A^A");

    assertThat(OAuthMessages.parseOauthbearer(response))
        .contains(new BearerRequest(Optional.of("user@example.com"), RFC_TOKEN));
  }

  @Test
  void parsesTheSameExampleAsAnSmtpSubmissionClientSendsIt() {
    byte[] response =
        msg("n,a=user@example.com,^Ahost=server.example.com^Aport=587^Aauth=Bearer " + RFC_TOKEN + "^A^A");

    assertThat(OAuthMessages.parseOauthbearer(response))
        .contains(new BearerRequest(Optional.of("user@example.com"), RFC_TOKEN));
  }

  @Test
  void parsesAResponseWithoutAuthorizationIdentity() {
    assertThat(OAuthMessages.parseOauthbearer(msg("n,,^Aauth=Bearer abc.def-ghi_~+/^A^A")))
        .contains(new BearerRequest(Optional.empty(), "abc.def-ghi_~+/"));
  }

  @Test
  void theSchemeIsCaseInsensitiveAndMayBeFollowedBySeveralSpaces() {
    for (String auth : new String[] {"bearer x", "BEARER x", "BeArEr x", "Bearer   x"}) {
      assertThat(OAuthMessages.parseOauthbearer(msg("n,,^Aauth=" + auth + "^A^A"))).as(auth)
          .map(BearerRequest::token).contains("x");
    }
  }

  @Test
  void ignoresUnknownKeys() {
    // RFC 7628 §3.1: servers ignore key/value pairs they do not understand (extensions).
    assertThat(OAuthMessages.parseOauthbearer(msg("n,,^Atraceid=42 and more^Aauth=Bearer x^A^A")))
        .map(BearerRequest::token).contains("x");
  }

  @Test
  void decodesTheSaslnameEscapes() {
    // RFC 5801 §4: "," and "=" travel as =2C and =3D.
    assertThat(OAuthMessages.parseOauthbearer(msg("n,a=od=2Cd=3Duser@example.com,^Aauth=Bearer x^A^A")))
        .flatMap(BearerRequest::user).contains("od,d=user@example.com");
  }

  @Test
  void acceptsAUtf8AuthorizationIdentity() {
    assertThat(OAuthMessages.parseOauthbearer(msg("n,a=用户@例子.广告,^Aauth=Bearer x^A^A")))
        .flatMap(BearerRequest::user).contains("用户@例子.广告");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "^A", // the client's answer to an error challenge (§3.2.3) carries no token
        "n,,^A^A", // no auth
        "n,,^Ahost=server.example.com^Aport=587^A^A",
        "n,,^Aauth=Basic dXNlcjpwYXNz^A^A",
        "n,,^Aauth=Bearer ^A^A",
        "n,,^Aauth=Bearer^A^A",
        "n,,^Aauth=Bearerx^A^A",
        "n,,^Aauth= Bearer x^A^A",
        "n,,^Aauth=Bearer x ^A^A",
        "n,,^Aauth=Bearer two tokens^A^A",
        "n,,^Aauth=Bearer x=y^A^A",
        "n,,^Aauth=Bearer x^A", // missing the final kvsep
        "n,,^Aauth=Bearer x", // unterminated pair
        "n,,^Aauth=Bearer x^A^A^A", // data after the end
        "n,,^Aauth=Bearer x^A^Ahost=a^A",
        "n,,auth=Bearer x^A^A", // no kvsep after the gs2-header
        "n,^Aauth=Bearer x^A^A", // gs2-header cut short
        "n,,^Aauth=Bearer x^Aauth=Bearer y^A^A", // repeated key
        "n,,^Aauth1=Bearer x^A^A", // key is 1*ALPHA
        "n,,^A=Bearer x^A^A", // empty key
        "n,,^Aauth^A^A", // key without value
        "n,,^Aauth=Bearer x^Aport=imap^A^A",
        "n,,^Aauth=Bearer x^Aport=99999^A^A",
        "y,,^Aauth=Bearer x^A^A", // "y": refused as briefed
        "p=tls-unique,,^Aauth=Bearer x^A^A", // channel binding: no OAUTHBEARER-PLUS
        "F,n,,^Aauth=Bearer x^A^A", // GS2 non-standard flag
        "n,a=,^Aauth=Bearer x^A^A", // empty authzid
        "n,a=us=2Xer,^Aauth=Bearer x^A^A", // bad escape
        "n,a=user=,^Aauth=Bearer x^A^A", // dangling "="
        "n,a=user@example.com^Aauth=Bearer x^A^A", // authzid not closed by ","
        "n,b=user,^Aauth=Bearer x^A^A",
        "n;,^Aauth=Bearer x^A^A",
      })
  void refusesMalformedOauthbearer(String message) {
    assertThat(OAuthMessages.parseOauthbearer(msg(message))).isEmpty();
  }

  @Test
  void refusesBytesOutsideTheGrammar() {
    assertThat(OAuthMessages.parseOauthbearer(bytes("n,,\u0001auth=Bearer x\u0001host=a", 0x00, "\u0001\u0001"))).isEmpty();
    assertThat(OAuthMessages.parseOauthbearer(bytes("n,,\u0001auth=Bearer x", 0xC3, "\u0001\u0001"))).isEmpty();
    assertThat(OAuthMessages.parseOauthbearer(bytes("n,a=us", 0xFF, "er,\u0001auth=Bearer x\u0001\u0001"))).isEmpty();
    assertThat(OAuthMessages.parseOauthbearer(bytes("n,a=us", 0x00, "er,\u0001auth=Bearer x\u0001\u0001"))).isEmpty();
    assertThat(OAuthMessages.parseOauthbearer(null)).isEmpty();
  }

  // --- XOAUTH2 (Google) ---

  @Test
  void parsesGooglesXoauth2Example() {
    // https://developers.google.com/gmail/imap/xoauth2-protocol: the base64 initial response as printed.
    byte[] response =
        Base64.getDecoder()
            .decode("dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2cBAQ==");

    assertThat(response).isEqualTo(msg("user=someuser@example.com^Aauth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg^A^A"));
    assertThat(OAuthMessages.parseXoauth2(response))
        .contains(new BearerRequest(Optional.of("someuser@example.com"), "ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg"));
  }

  @Test
  void xoauth2SchemeIsCaseInsensitive() {
    assertThat(OAuthMessages.parseXoauth2(msg("user=a@b.example^Aauth=bearer t0k3n==^A^A")))
        .map(BearerRequest::token).contains("t0k3n==");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "user=^Aauth=Bearer x^A^A", // no user
        "auth=Bearer x^Auser=a@b.example^A^A", // wrong order
        "user=a@b.example^A^A", // no auth
        "user=a@b.example^Aauth=Bearer ^A^A", // empty token
        "user=a@b.example^Aauth=Basic x^A^A",
        "user=a@b.example^Aauth=Bearer x^A", // one final ^A
        "user=a@b.example^Aauth=Bearer x", // none
        "user=a@b.example^Aauth=Bearer x^A^A^A",
        "user=a@b.example^Aauth=Bearer x^A^Ajunk",
        "user=a@b.example^Aauth=Bearer x^Ahost=h^A^A",
        "user=a@b.example^Aauth=Bearer x y^A^A",
        "user=a@b.example,auth=Bearer x^A^A", // "," is not the separator
        "User=a@b.example^Aauth=Bearer x^A^A",
        "user=a@b.example^AAuth=Bearer x^A^A",
        "n,,^Aauth=Bearer x^A^A", // OAUTHBEARER sent to XOAUTH2
      })
  void refusesMalformedXoauth2(String message) {
    assertThat(OAuthMessages.parseXoauth2(msg(message))).isEmpty();
  }

  @Test
  void refusesXoauth2UsersThatAreNotCleanUtf8() {
    assertThat(OAuthMessages.parseXoauth2(bytes("user=a", 0xC3, "@b\u0001auth=Bearer x\u0001\u0001"))).isEmpty();
    assertThat(OAuthMessages.parseXoauth2(msg("user=a\r\nb@c^Aauth=Bearer x^A^A"))).isEmpty();
    assertThat(OAuthMessages.parseXoauth2(null)).isEmpty();
  }

  @Test
  void aBearerRequestNeverPrintsItsToken() {
    BearerRequest request = OAuthMessages.parseXoauth2(msg("user=a@b.example^Aauth=Bearer s3cr3t-t0k3n^A^A")).orElseThrow();

    assertThat(request.toString()).contains("a@b.example").doesNotContain("s3cr3t");
    assertThatThrownBy(() -> new BearerRequest(Optional.empty(), "")).isInstanceOf(IllegalArgumentException.class);
  }

  // --- error challenges ---

  @Test
  void oauthbearerErrorCarriesWhatIsConfigured() {
    String full =
        OAuthMessages.oauthbearerError(
            "invalid_token",
            Optional.of("https://mail.example.com/smtp"),
            Optional.of("https://accounts.example.com/.well-known/openid-configuration"));
    JsonNode json = JSON.readTree(full);

    // RFC 7628 §3.2.2 names these members.
    assertThat(json.propertyNames()).containsExactly("status", "scope", "openid-configuration");
    assertThat(json.get("status").asString()).isEqualTo("invalid_token");
    assertThat(json.get("scope").asString()).isEqualTo("https://mail.example.com/smtp");
    assertThat(json.get("openid-configuration").asString())
        .isEqualTo("https://accounts.example.com/.well-known/openid-configuration");
    assertThat(full).doesNotContain(" ");
  }

  @Test
  void oauthbearerErrorMatchesTheRfcExampleByteForByte() {
    // RFC 7628's failed-exchange example (§4.3), before base64.
    assertThat(
            OAuthMessages.oauthbearerError(
                "invalid_token", Optional.of("example_scope"), Optional.of("https://example.com/.well-known/openid-configuration")))
        .isEqualTo(
            "{\"status\":\"invalid_token\",\"scope\":\"example_scope\","
                + "\"openid-configuration\":\"https://example.com/.well-known/openid-configuration\"}");
  }

  @Test
  void oauthbearerErrorOmitsWhatIsNotConfigured() {
    for (String status : new String[] {"invalid_token", "invalid_request", "insufficient_scope"}) {
      JsonNode json = JSON.readTree(OAuthMessages.oauthbearerError(status, Optional.empty(), Optional.empty()));

      assertThat(json.propertyNames()).containsExactly("status");
      assertThat(json.get("status").asString()).isEqualTo(status);
    }
  }

  @Test
  void oauthbearerErrorEscapesItsValues() {
    String scope = "a \"quoted\" \\ scope\n";

    JsonNode json = JSON.readTree(OAuthMessages.oauthbearerError("invalid_token", Optional.of(scope), Optional.empty()));

    assertThat(json.get("scope").asString()).isEqualTo(scope);
  }

  @Test
  void oauthbearerErrorRefusesOtherStatuses() {
    assertThatThrownBy(() -> OAuthMessages.oauthbearerError("401", Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("401");
  }

  @Test
  void xoauth2ErrorHasGooglesShape() {
    JsonNode json = JSON.readTree(OAuthMessages.xoauth2Error(Optional.of("https://mail.google.com/")));

    assertThat(json.propertyNames()).containsExactly("status", "schemes", "scope");
    assertThat(json.get("status").asString()).isEqualTo("401");
    assertThat(json.get("schemes").asString()).isEqualTo("Bearer");
    assertThat(json.get("scope").asString()).isEqualTo("https://mail.google.com/");

    assertThat(JSON.readTree(OAuthMessages.xoauth2Error(Optional.empty())).propertyNames())
        .containsExactly("status", "schemes");
  }

  private static byte[] bytes(String before, int b, String after) {
    byte[] head = before.getBytes(StandardCharsets.UTF_8);
    byte[] tail = after.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + 1 + tail.length];
    System.arraycopy(head, 0, out, 0, head.length);
    out[head.length] = (byte) b;
    System.arraycopy(tail, 0, out, head.length + 1, tail.length);
    return out;
  }
}
