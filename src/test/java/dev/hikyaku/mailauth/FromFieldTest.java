package dev.hikyaku.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.protocol.HeaderScan;
import java.util.List;
import java.util.Optional;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.DefaultAddressParser;
import org.apache.james.mime4j.field.address.ParseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 5322 §3.4 address-lists read as mime4j's own strict parser reads them, at linear cost. */
class FromFieldTest {

  /** What mime4j's DefaultAddressParser (the quadratic one FromField replaces) makes of a value. */
  private static Optional<List<String>> mime4j(String value) {
    try {
      return Optional.of(DefaultAddressParser.DEFAULT.parseAddressList(value).flatten().stream().map(Mailbox::getAddress).toList());
    } catch (ParseException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "alice@example.com",
      "Alice <alice@example.com>",
      "\"Alice Liddell\" <alice@example.com>",
      "\"a\\\"b\" <alice@example.com>",
      "alice@example.com (Alice)",
      "(comment) alice (more) @ (x) example.com (y)",
      "\"quoted local\"@example.com",
      "\"p5q\"@Example.COM",
      "alice@[192.0.2.1]",
      "Alice <@route.example,@other.example:alice@example.com>",
      "undisclosed-recipients:;",
      "team: alice@example.com, Bob <bob@example.org>;, carol@example.net",
      "a@b.example, c@d.example",
      "=?UTF-8?B?w6lsw6g=?= <eve@example.com>",
      "Jörg <jörg@bücher.example>",
      "no-domain",
      "",
      "<>",
      "two@@example.com",
      "\"unclosed@example.com",
      "Alice <alice@example.com",
      "alice@example.com>",
      "a@b.example,,c@d.example",
      "alice.@example.com",
      "((nested) comment) alice@example.com",
  })
  void readsWhatMime4jReads(String value) {
    assertThat(FromField.mailboxes(value).map(list -> list.stream().map(FromField.AddrSpec::address).toList()))
        .isEqualTo(mime4j(value));
  }

  @Test
  void givesLocalPartAndDomainApart() {
    assertThat(FromField.mailboxes("Alice <Alice@Example.COM>").orElseThrow())
        .containsExactly(new FromField.AddrSpec("Alice", "Example.COM"));
    assertThat(FromField.mailboxes("Alice <Alice@Example.COM>").orElseThrow().getFirst().domainKey()).isEqualTo("example.com");
  }

  @Test
  void aDisplayNameOfTheLongestFieldIsReadWhole() {
    // The probe's shape (PROBE.md §1): one quoted display name, folded every 70 octets, unfolded
    // here, as long as a header field may be. The old parser copied its buffer once per 2 KiB.
    StringBuilder value = new StringBuilder("\"");
    while (value.length() < HeaderScan.MAX_FIELD_OCTETS * 4) {
      value.append("a".repeat(70)).append(' ');
    }
    value.append("\" <x@example.org>");
    assertThat(FromField.mailboxes(value.toString()).orElseThrow()).containsExactly(new FromField.AddrSpec("x", "example.org"));
  }
}
