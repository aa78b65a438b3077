package dev.hikyaku.testing;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An MX on loopback that answers per recipient: ok@ 250, no@ 550 5.1.1, later@ 450 4.2.0 the first
 * time and 250 after; no STARTTLS (opportunistic TLS goes on in plaintext), no DSN extension.
 * Keeps the MAIL FROM reverse-path of every transaction, for tests of what goes out.
 */
public final class ScriptedMx extends ScriptedServer {
  private final AtomicInteger laterAsked = new AtomicInteger();
  private final List<String> reversePaths = new CopyOnWriteArrayList<>();

  public ScriptedMx() throws IOException {}

  /** The reverse-path of every MAIL FROM so far, without angle brackets, in order. */
  public List<String> reversePaths() {
    return List.copyOf(reversePaths);
  }

  @Override
  protected String greeting() {
    return "220 mx.sink.test ESMTP sink";
  }

  @Override
  protected Commands commands() {
    int[] accepted = {0};
    return (line, command, in, out) -> {
      if (command.startsWith("EHLO")) {
        reply(out, "250-mx.sink.test\r\n250-PIPELINING\r\n250 8BITMIME");
      } else if (command.startsWith("MAIL")) {
        accepted[0] = 0;
        reversePaths.add(path(line));
        reply(out, "250 2.1.0 Ok");
      } else if (command.startsWith("RCPT")) {
        String to = path(line);
        if (to.startsWith("no@")) {
          reply(out, "550 5.1.1 no such user");
        } else if (to.startsWith("later@") && laterAsked.getAndIncrement() == 0) {
          reply(out, "450 4.2.0 try again later");
        } else {
          accepted[0]++;
          reply(out, "250 2.1.5 Ok");
        }
      } else if (command.equals("DATA")) {
        if (accepted[0] == 0) {
          reply(out, "554 5.5.1 no valid recipients");
          return true;
        }
        reply(out, "354 go ahead");
        for (String data; (data = in.readLine()) != null && !data.equals("."); ) {
          // the message; not kept
        }
        reply(out, "250 2.0.0 Ok: queued as SINK");
      } else {
        return false;
      }
      return true;
    };
  }
}
