package dev.hikyaku.testing;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A mailbox server on loopback speaking LMTP (RFC 2033), as far as a recipient check needs: LHLO,
 * MAIL, RCPT, RSET, QUIT (no DATA). Its RCPT answer depends on the local part:
 *
 * <ul>
 *   <li>{@code no...} (nobody, no-such-user): 550 5.1.1, always
 *   <li>{@code slow}: no answer at all (the verifier's timeout)
 *   <li>{@code once}: 250 the first time, then no answer (so a second 250 came from a cache)
 *   <li>{@code gone}: 550 5.1.1 the first time, 250 after (so a second 550 came from a cache)
 *   <li>{@code busy}: 451 4.3.0 the first time, 250 after (a 4yz is no answer to keep)
 *   <li>anything else: 250 2.1.5
 * </ul>
 *
 * Records every RCPT address, in order, for tests that count what was asked.
 */
public final class ScriptedLmtp extends ScriptedServer {

  private final List<String> asked = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> times = new ConcurrentHashMap<>();

  public ScriptedLmtp() throws IOException {}

  /** Every address asked for with RCPT so far, in order. */
  public List<String> asked() {
    return List.copyOf(asked);
  }

  @Override
  protected String greeting() {
    return "220 lmtp.sink.test LMTP ready";
  }

  @Override
  protected Commands commands() {
    return (line, command, in, out) -> {
      if (command.startsWith("LHLO")) {
        reply(out, "250-lmtp.sink.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME");
      } else if (command.startsWith("MAIL")) {
        reply(out, "250 2.1.0 Ok");
      } else if (command.startsWith("RCPT")) {
        String to = path(line);
        asked.add(to);
        String answer = answer(to.substring(0, to.lastIndexOf('@')).toLowerCase(Locale.ROOT),
            times.computeIfAbsent(to.toLowerCase(Locale.ROOT), k -> new AtomicInteger()).incrementAndGet());
        if (answer != null) {
          reply(out, answer);
        }
      } else {
        return false;
      }
      return true;
    };
  }

  /** The RCPT reply for {@code local} asked for the {@code time}th time, or null for none. */
  private static String answer(String local, int time) {
    return switch (local) {
      case "slow" -> null;
      case "once" -> time == 1 ? "250 2.1.5 Ok" : null;
      case "gone" -> time == 1 ? "550 5.1.1 <gone>: User unknown" : "250 2.1.5 Ok";
      case "busy" -> time == 1 ? "451 4.3.0 Temporary lookup failure" : "250 2.1.5 Ok";
      default -> local.startsWith("no") ? "550 5.1.1 User unknown in virtual mailbox table" : "250 2.1.5 Ok";
    };
  }
}
