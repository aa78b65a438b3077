package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.store.SigningKey;
import dev.hikyaku.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku dkim}: keys are generated pending, activated (retiring the one they replace), listed and removed. */
class DkimCommandTest {

  @TempDir Path data;

  @Test
  void keygenActivateRotateListRemove() throws Exception {
    Path config = Files.writeString(data.resolve("hikyaku.yaml"), "hostname: mx.example.com\ndata-directory: " + data + "\n");
    String c = config.toString();

    AdminCommandLine.Result first = AdminCommandLine.run("", "dkim", "keygen", "Example.COM", "--selector", "s1", "--config", c);
    assertThat(first.exitCode()).as(first.describe()).isZero();
    assertThat(first.out()).contains("rsa-sha256 key s1-r for example.com: pending", "ed25519-sha256 key s1-e for example.com: pending",
        "s1-r._domainkey.example.com. IN TXT ( \"v=DKIM1; k=rsa; p=", "s1-e._domainkey.example.com. IN TXT ( \"v=DKIM1; k=ed25519; p=",
        "hikyaku dkim activate example.com s1-r");
    // A 2048-bit key's record needs two TXT character-strings of at most 255 octets (RFC 1035 §3.3.14).
    String rsaLine = first.out().lines().filter(l -> l.startsWith("s1-r._domainkey")).findFirst().orElseThrow();
    assertThat(rsaLine.split("\" \"")).hasSizeGreaterThan(1);

    assertThat(AdminCommandLine.run("", "dkim", "activate", "example.com", "s1-r", "--config", c).out()).contains("active");
    AdminCommandLine.Result second =
        AdminCommandLine.run("", "dkim", "keygen", "example.com", "--selector", "s2", "--algorithm", "rsa", "--activate", "--config", c);
    assertThat(second.out()).contains("rsa-sha256 key s2 for example.com: active").doesNotContain("hikyaku dkim activate");

    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      List<SigningKey> keys = store.signingKeys().list(Optional.of("example.com"));
      assertThat(keys).extracting(k -> k.selector() + "=" + k.state()).containsExactly("s1-e=pending", "s1-r=retired", "s2=active");
      assertThat(store.signingKeys().active("example.com")).extracting(SigningKey::selector).containsExactly("s2");
      String secret = Base64.getEncoder().encodeToString(keys.get(2).privateKey());
      AdminCommandLine.Result listed = AdminCommandLine.run("", "dkim", "list", "--config", c);
      assertThat(listed.out()).contains("s1-r", "retired", "s2", "active", "3 key(s)").doesNotContain(secret.substring(20, 60));
      assertThat(first.out() + second.out()).doesNotContain(secret.substring(20, 60));
    }

    assertThat(AdminCommandLine.run("", "dkim", "retire", "example.com", "s2", "--config", c).out()).contains("retired");
    assertThat(AdminCommandLine.run("", "dkim", "remove", "example.com", "s1-e", "--config", c).out()).contains("removed");
    assertThat(AdminCommandLine.run("", "dkim", "remove", "example.com", "s1-e", "--config", c).err()).contains("no DKIM key with selector s1-e");
    assertThat(AdminCommandLine.run("", "dkim", "keygen", "example.com", "--selector", "s2", "--algorithm", "rsa", "--config", c).err())
        .contains("already has a DKIM key with selector s2");
    assertThat(AdminCommandLine.run("", "dkim", "keygen", "not a domain", "--config", c).err()).contains("not a domain name");
    assertThat(AdminCommandLine.run("", "dkim", "keygen", "example.com", "--selector", "bad_sel", "--config", c).err()).contains("not a selector");
    assertThat(AdminCommandLine.run("", "dkim", "keygen", "example.com", "--algorithm", "dsa", "--config", c).err()).contains("unknown algorithm");
  }
}
