package dev.hikyaku.conversations;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scripted SMTP conversation from a {@code .smtp} file.
 *
 * <pre>
 * # The rule the file checks, with its RFC section (required first line)
 * &#64;listener submission     relay (default), submission or submissions
 * &#64;login alice@example.com  the session starts with this principal (for scripts not about AUTH)
 * &#64;account a@b.test secret [add-sender]   an account with this password exists (repeatable)
 * &#64;mailbox u@hikyaku.test v@hikyaku.test   these recipients are known: accounts nobody logs in
 *                          with (repeatable; a hosted domain takes mail for known recipients only)
 * &#64;catch-all hikyaku.test  the domain takes every local part (config recipients.domains; for
 *                          scripts about something else that need made-up recipients)
 * &#64;lmtp-route lmtp.hikyaku.test   this domain is hosted too, routed by LMTP to a {@code
 *                          ScriptedLmtp} whose RCPT answers depend on the local part
 * &#64;sender a@b.test alias@b.test   the account a@b.test may send as (so receives for) alias@b.test
 *                          or @domain (repeatable)
 * &#64;suppressed d.test x@y.test [manual]   the suppression list holds x@y.test for mail from d.test:
 *                          a hard bounce (5.1.1) since 2026-05-01T09:00:00Z, or an operator's entry
 *                          (repeatable)
 * &#64;set max-recipients=100   a session setting: max-recipients, max-errors, max-message-size,
 *                          command-timeout, data-timeout, greeting-delay
 * &#64;socket                   also run over real sockets with real TLS
 * S: 220 *                 expect a server line; '*' at the end matches any rest
 * &#64;ehlo                     expect the server's whole reply to the last EHLO sent, line for line
 *                          and exactly, as the catalogue builds it for this connection now: the
 *                          greeting line, every extension, STARTTLS until TLS is on, AUTH with the
 *                          mechanisms that may run here (none before TLS) and SIZE with the
 *                          session's limit. For an EHLO that is a preamble; scripts about what EHLO
 *                          announces spell its lines out
 * C: EHLO x                send a line; CRLF is appended
 * R: .\r\n                 send raw bytes; nothing is appended
 * D: 200ms x\r\n           dribble raw bytes one at a time, this far apart (a slow client);
 *                          stops quietly when the server has hung up
 * &#64;closed                   expect the server to close the connection
 * &#64;shutdown                 begin a graceful server shutdown now
 * &#64;queued 1                 expect this many messages in the queue at the end
 * &#64;stored-line Sender: x    every queued message holds this header line
 * &#64;auth-results cancelled malformed   the kinds of the AUTH attempts the session recorded, in
 *                          order (Event.AuthAttempt.Kind labels; "none" for none)
 * </pre>
 *
 * Escapes in C: and R: lines: {@code \r \n \t \\ \xHH} and {@code %{N*text}} (text, escapes and all,
 * repeated N times; text holds no "}").
 * A run of C:/R: lines is sent in one write, which is how pipelining is exercised.
 */
record Conversation(String name, String rule, Map<String, String> directives, List<Step> steps) {

  sealed interface Step {}

  record Send(byte[] bytes, String shown, boolean isStartTls) implements Step {}

  record Expect(String pattern) implements Step {
    boolean matches(String line) {
      return pattern.endsWith("*")
          ? line.startsWith(pattern.substring(0, pattern.length() - 1))
          : line.equals(pattern);
    }
  }

  record ExpectClosed() implements Step {}

  /** The server's whole EHLO reply to {@code clientName}, as {@link Peer#ehloReply} builds it. */
  record ExpectEhlo(String clientName) implements Step {}

  record Dribble(byte[] bytes, java.time.Duration interval, String shown) implements Step {}

  record Shutdown() implements Step {}

  String listener() {
    return directives.getOrDefault("listener", "relay");
  }

  boolean runsOverSockets() {
    return directives.containsKey("socket");
  }

  static Conversation parse(Path file, String name) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.getFirst().startsWith("# ")) {
      throw new IllegalArgumentException(name + ": the first line must be '# <the rule this checks>'");
    }
    String rule = lines.getFirst().substring(2);
    Map<String, String> directives = new LinkedHashMap<>();
    List<Step> steps = new ArrayList<>();
    String ehloName = null;
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      String where = name + ":" + (i + 1);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("S: ") || line.equals("S:")) {
        steps.add(new Expect(line.substring(Math.min(3, line.length()))));
      } else if (line.startsWith("C: ") || line.equals("C:")) {
        String text = line.substring(Math.min(3, line.length()));
        byte[] bytes = concat(unescape(text, where), new byte[] {'\r', '\n'});
        steps.add(new Send(bytes, text, text.equalsIgnoreCase("STARTTLS")));
        if (text.regionMatches(true, 0, "EHLO ", 0, 5)) {
          ehloName = text.substring(5);
        }
      } else if (line.startsWith("D: ")) {
        String[] spec = line.substring(3).split(" ", 2);
        java.time.Duration interval = java.time.Duration.ofMillis(Long.parseLong(spec[0].replace("ms", "")));
        steps.add(new Dribble(unescape(spec[1], where), interval, spec[1]));
      } else if (line.startsWith("R: ")) {
        String text = line.substring(3);
        steps.add(new Send(unescape(text, where), text, false));
      } else if (line.equals("@ehlo")) {
        if (ehloName == null) {
          throw new IllegalArgumentException(where + ": @ehlo with no 'C: EHLO name' before it");
        }
        steps.add(new ExpectEhlo(ehloName));
      } else if (line.equals("@closed")) {
        steps.add(new ExpectClosed());
      } else if (line.equals("@shutdown")) {
        steps.add(new Shutdown());
      } else if (line.startsWith("@")) {
        String[] parts = line.substring(1).split(" ", 2);
        String value = parts.length > 1 ? parts[1].strip() : "";
        if (parts[0].equals("account") || parts[0].equals("suppressed") || parts[0].equals("sender")) {
          directives.merge(parts[0], value, (a, b) -> a + "\n" + b);
        } else if (parts[0].equals("mailbox") || parts[0].equals("catch-all")) {
          directives.merge(parts[0], value, (a, b) -> a + " " + b);
        } else if (parts[0].equals("set")) {
          String[] kv = value.split("=", 2);
          directives.put("set." + kv[0], kv[1]);
        } else {
          directives.put(parts[0], value);
        }
      } else {
        throw new IllegalArgumentException(where + ": unknown line '" + line + "'");
      }
    }
    return new Conversation(name, rule, directives, steps);
  }

  static byte[] unescape(String text, String where) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        char e = text.charAt(++i);
        switch (e) {
          case 'r' -> out.write('\r');
          case 'n' -> out.write('\n');
          case 't' -> out.write('\t');
          case '\\' -> out.write('\\');
          case 'x' -> {
            out.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
            i += 2;
          }
          default -> throw new IllegalArgumentException(where + ": unknown escape \\" + e);
        }
      } else if (c == '%' && text.startsWith("%{", i)) {
        int close = text.indexOf('}', i);
        String[] spec = text.substring(i + 2, close).split("\\*", 2);
        byte[] unit = unescape(spec[1], where); // escapes work inside: %{3*a\r\n }
        for (int n = Integer.parseInt(spec[0]); n > 0; n--) {
          out.writeBytes(unit);
        }
        i = close;
      } else {
        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
