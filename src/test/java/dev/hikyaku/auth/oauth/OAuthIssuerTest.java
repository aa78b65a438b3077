package dev.hikyaku.auth.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An issuer's configuration is checked when built, and every error names the issuer and the field. */
class OAuthIssuerTest {

  private static final String ISSUER = "https://accounts.example.com";

  private static OAuthIssuer withUri(String uri) {
    return new OAuthIssuer(ISSUER, Optional.of(URI.create(uri)), Optional.empty(), List.of("smtp"), "email", Duration.ZERO);
  }

  @Test
  void takesExactlyOneKeySource() {
    Optional<URI> uri = Optional.of(URI.create("https://accounts.example.com/jwks"));
    Optional<Path> file = Optional.of(Path.of("/etc/hikyaku/jwks.json"));

    assertThatThrownBy(() -> new OAuthIssuer(ISSUER, uri, file, List.of("smtp"), "email", Duration.ZERO))
        .hasMessage("OAuthIssuer " + ISSUER + ": exactly one of jwksUri and jwksFile must be given");
    assertThatThrownBy(() -> new OAuthIssuer(ISSUER, Optional.empty(), Optional.empty(), List.of("smtp"), "email", Duration.ZERO))
        .hasMessageContaining("exactly one of jwksUri and jwksFile");
    assertThat(new OAuthIssuer(ISSUER, Optional.empty(), file, List.of("smtp"), "sub", Duration.ofMinutes(1)).jwksFile()).isEqualTo(file);
  }

  @Test
  void fetchesKeysOnlyOverHttpOrHttps() {
    assertThat(withUri("https://www.googleapis.com/oauth2/v3/certs").jwksUri()).isPresent();
    assertThat(withUri("http://127.0.0.1:8080/jwks").jwksUri()).isPresent();
    assertThatThrownBy(() -> withUri("ftp://example.com/jwks")).hasMessageContaining("must be https or http, got ftp://example.com/jwks");
    assertThatThrownBy(() -> withUri("file:///etc/jwks.json")).hasMessageContaining("must be https or http");
  }

  @Test
  void neverEchoesCredentialsInTheUri() {
    assertThatThrownBy(() -> withUri("https://admin:hunter2@idp.example.com/jwks"))
        .hasMessageContaining("must not carry user info")
        .message().doesNotContain("hunter2");
  }

  @Test
  void refusesIncompleteSettings() {
    Optional<Path> file = Optional.of(Path.of("jwks.json"));
    assertThatThrownBy(() -> new OAuthIssuer(" ", Optional.empty(), file, List.of("smtp"), "email", Duration.ZERO))
        .hasMessageContaining("issuer must not be blank");
    assertThatThrownBy(() -> new OAuthIssuer(ISSUER, Optional.empty(), file, List.of(), "email", Duration.ZERO))
        .hasMessageContaining("audiences must name at least one");
    assertThatThrownBy(() -> new OAuthIssuer(ISSUER, Optional.empty(), file, List.of("smtp", ""), "email", Duration.ZERO))
        .hasMessageContaining("blank entry");
    assertThatThrownBy(() -> new OAuthIssuer(ISSUER, Optional.empty(), file, List.of("smtp"), "", Duration.ZERO))
        .hasMessageContaining("accountClaim must not be blank");
    assertThatThrownBy(() -> new OAuthIssuer(ISSUER, Optional.empty(), file, List.of("smtp"), "email", Duration.ofSeconds(-1)))
        .hasMessageContaining("clockSkew must be zero or positive, got PT-1S");
  }

  @Test
  void keepsItsOwnCopyOfTheAudiences() {
    List<String> audiences = new ArrayList<>(List.of("smtp"));
    OAuthIssuer issuer = new OAuthIssuer(ISSUER, Optional.empty(), Optional.of(Path.of("j.json")), audiences, "email", Duration.ZERO);

    audiences.add("anything");

    assertThat(issuer.audiences()).containsExactly("smtp");
  }
}
