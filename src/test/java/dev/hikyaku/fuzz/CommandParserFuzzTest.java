package dev.hikyaku.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hikyaku.protocol.Command;
import dev.hikyaku.protocol.CommandParser;
import dev.hikyaku.protocol.Extension;
import dev.hikyaku.protocol.Parse;
import dev.hikyaku.protocol.Verb;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Fuzzes {@link CommandParser#parse} and {@link Verb#of}: the first thing an unauthenticated client
 * reaches. Invariants: no exception at all (a bad line is a {@link Parse.Invalid} value); an
 * Invalid's reply is in the {@code Replies} catalogue and is a 5yz; the parse names the verb that
 * {@link Verb#of} names for the first word, and a recognised verb is spelt in ASCII (RFC 5321 §2.4
 * folds ASCII case only); a valid MAIL or RCPT round-trips through its wire form; a parameter of an
 * extension that was not announced is never accepted.
 */
class CommandParserFuzzTest {

  // RFC 5321 §4.5.3.1.4: a command line is at most 512 octets; the session refuses longer ones
  // before parsing. Twice that keeps the harness honest about what the parser itself copes with.
  private static final int MAX_LINE = 1024;

  @FuzzTest(maxDuration = "10s")
  void parse(byte[] input) {
    // The first octet picks the announced extensions (one bit each); the rest is the line, decoded
    // as the session does (UTF-8), so that corpus files are plain command lines after one octet.
    if (input.length == 0 || input.length > MAX_LINE) {
      return;
    }
    Set<Extension> announced = EnumSet.noneOf(Extension.class);
    for (Extension extension : Extension.values()) {
      if ((input[0] & (1 << extension.ordinal())) != 0) {
        announced.add(extension);
      }
    }
    String line = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
    Parse parse = CommandParser.parse(line, announced);

    int space = line.indexOf(' ');
    String word = space < 0 ? line : line.substring(0, space);
    assertThat(parse.verb()).isEqualTo(Verb.of(word));
    if (parse.verb() != Verb.UNKNOWN) {
      assertThat(word.toUpperCase(Locale.ROOT)).isEqualTo(parse.verb().name());
      assertThat(word.chars().allMatch(c -> c < 0x80)).as("verb %s spelt in ASCII", word).isTrue();
    }
    switch (parse) {
      case Parse.Invalid invalid -> {
        ReplyCatalogue.check(invalid.reply());
        assertThat(invalid.reply().code()).isBetween(500, 599);
      }
      case Parse.Valid valid -> roundTrips(valid.command(), announced);
    }
  }

  /** A parsed MAIL/RCPT, written in its canonical wire form, parses to the same command. */
  private static void roundTrips(Command command, Set<Extension> announced) {
    switch (command) {
      case Command.Mail mail -> {
        String params = mail.params().toWire();
        if (!params.isEmpty()) {
          assertThat(announced).as("parameters %s need an announced extension", params).isNotEmpty();
        }
        String wire = "MAIL FROM:" + mail.from() + (params.isEmpty() ? "" : " " + params);
        assertThat(CommandParser.parse(wire, announced)).isEqualTo(new Parse.Valid(mail));
      }
      case Command.Rcpt rcpt -> {
        String params = rcpt.params().toWire();
        if (!params.isEmpty()) {
          assertThat(announced).contains(Extension.DSN);
        }
        String wire = "RCPT TO:" + rcpt.to() + (params.isEmpty() ? "" : " " + params);
        assertThat(CommandParser.parse(wire, announced)).isEqualTo(new Parse.Valid(rcpt));
      }
      case Command.Bdat bdat -> assertThat(bdat.size()).isNotNegative();
      default -> {}
    }
  }
}
