package dev.hikyaku.app;

import dev.hikyaku.config.ConfigException;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.intake.HeaderEnvelope;
import dev.hikyaku.intake.Pickup;
import dev.hikyaku.intake.PickupRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hikyaku sendmail}: the sendmail(1) command that cron, PHP's {@code mail()}, WordPress and
 * monitoring tools call. Reads one message from standard input and hands it to the running server
 * through its local pickup socket ({@link Pickup}, config {@code sendmail}), which queues it as the
 * invoking Unix user's submission and answers once it is committed. Exit codes are sysexits.h's:
 * 0 queued, 64 usage, 65 data refused, 75 try again later (the server is down or said 4xx), 77 not
 * permitted, 78 configuration.
 */
@Command(
    name = "sendmail",
    exitCodeOnInvalidInput = SendmailCommand.EX_USAGE,
    description = "Queue the message on standard input, as sendmail(1) does (-t, -i/-oi, -f, -F); exit codes from sysexits.h.")
final class SendmailCommand implements Callable<Integer>, AccountCommands.PasswordInput {

  static final int EX_USAGE = 64;
  static final int EX_DATAERR = 65;
  static final int EX_TEMPFAIL = 75;
  static final int EX_NOPERM = 77;
  static final int EX_CONFIG = 78;

  @Option(names = "-t", description = "Take the recipients from the To, Cc and Bcc fields too (Bcc is removed).") boolean isFromHeader;
  @Option(names = {"-i", "-oi"}, description = "A line with a single dot does not end the message.") boolean isDotKept;
  @Option(names = {"-f", "-r"}, paramLabel = "SENDER", description = "The envelope sender (default: the Unix user at the host name); '' or <> for none.") String sender;
  @Option(names = "-F", paramLabel = "NAME", description = "The sender's full name, for the From field when the message has none.") String fullName;
  @Option(names = {"-bm", "-odi", "-odb", "-oem", "-oep", "-om", "-U"}, hidden = true, description = "Accepted and ignored, as Postfix does.") boolean[] ignored;
  @Option(names = {"-N", "-B", "-R", "-V"}, hidden = true, paramLabel = "VALUE", description = "Accepted and ignored.") List<String> ignoredValues;
  @Option(names = "--config", paramLabel = "FILE", description = "The server's config file (it names the socket).") Path config;
  @Parameters(arity = "0..*", paramLabel = "RECIPIENT") List<String> recipients = new ArrayList<>();
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private InputStream stdin = System.in;

  @Override
  public void useStandardInput(InputStream in) {
    this.stdin = in;
  }

  @Override
  public Integer call() {
    HikyakuConfig effective;
    try {
      effective = Main.loadConfig(config);
    } catch (ConfigException e) {
      return fail(EX_CONFIG, e.getMessage());
    }
    if (!effective.sendmail().isEnabled()) {
      return fail(EX_CONFIG, "sendmail.enabled is false in the config: the server takes no local mail");
    }
    String user = System.getProperty("user.name", "unknown");
    String from = sender == null ? user + "@" + effective.hostname() : unbracketed(sender);
    byte[] content;
    try {
      content = message(stdin.readAllBytes(), isDotKept);
    } catch (IOException e) {
      return fail(EX_TEMPFAIL, "cannot read the message: " + e.getMessage());
    }
    Set<String> to = new LinkedHashSet<>();
    recipients.forEach(address -> to.add(unbracketed(address.strip())));
    for (String address : to) {
      if (address.codePoints().anyMatch(Character::isISOControl)) {
        return fail(EX_USAGE, "not an address: " + address);
      }
    }
    if (from.codePoints().anyMatch(Character::isISOControl)) {
      return fail(EX_USAGE, "not an address: " + from);
    }
    if (isFromHeader) {
      HeaderEnvelope.recipients(content).ifPresent(to::addAll);
      content = HeaderEnvelope.withoutBcc(content);
    }
    if (to.isEmpty()) {
      return fail(EX_USAGE, "no recipients (give them as arguments, or -t to read To, Cc and Bcc)");
    }
    if (!hasFrom(content)) {
      // RFC 5322 §3.6 requires a From field; sendmail writes one from the sender and -F.
      String name = fullName == null ? "" : displayName(fullName) + " ";
      String address = from.isEmpty() ? user + "@" + effective.hostname() : from;
      content = concat(("From: " + name + "<" + address + ">\r\n").getBytes(StandardCharsets.UTF_8), content);
    }
    Path socket = effective.sendmail().socketIn(effective.dataDirectory());
    PickupRequest request = new PickupRequest(from, List.copyOf(to), content);
    String reply;
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      IOException writeFailure = null;
      try {
        request.writeTo(Channels.newOutputStream(channel));
        channel.shutdownOutput();
      } catch (IOException e) {
        // The server may answer before reading it all (a user it does not admit, a message too big):
        // its reply says why, better than the broken pipe.
        writeFailure = e;
      }
      reply = lastLine(Channels.newInputStream(channel));
      if (reply.isEmpty() && writeFailure != null) {
        throw writeFailure;
      }
    } catch (IOException e) {
      return fail(EX_TEMPFAIL, "cannot reach the server at " + socket + " (is it running?): " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return fail(EX_DATAERR, e.getMessage());
    }
    if (reply.length() < 4 || !reply.substring(0, 3).chars().allMatch(Character::isDigit)) {
      return fail(EX_TEMPFAIL, "the server answered nothing readable: " + reply);
    }
    return switch (reply.charAt(0)) {
      case '2' -> 0;
      case '4' -> fail(EX_TEMPFAIL, reply);
      case '5' -> fail(reply.substring(4).startsWith("5.7.") ? EX_NOPERM : EX_DATAERR, reply);
      default -> fail(EX_TEMPFAIL, "the server answered: " + reply);
    };
  }

  /** The last line of the server's one reply (RFC 5321 §4.2.1: the line with a space after the code). */
  private static String lastLine(InputStream in) throws IOException {
    String text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
    List<String> lines = text.lines().toList();
    return lines.isEmpty() ? "" : lines.getLast();
  }

  /**
   * A display name for the From field: a quoted-string (RFC 5322 §3.2.4) when ASCII, else an
   * encoded-word (RFC 2047 §5(3)), so the header stays 7-bit whatever the name.
   */
  static String displayName(String name) {
    String plain = name.replaceAll("\\p{Cntrl}", " ").strip();
    if (plain.chars().allMatch(c -> c < 0x80)) {
      return "\"" + plain.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(plain.getBytes(StandardCharsets.UTF_8)) + "?=";
  }

  private static String unbracketed(String address) {
    return address.startsWith("<") && address.endsWith(">") ? address.substring(1, address.length() - 1) : address;
  }

  /**
   * The message as queued: CRLF line ends; without {@code -i}, a line of one dot ends it (sendmail's
   * old rule); a lone CR or LF becomes CRLF.
   */
  static byte[] message(byte[] input, boolean isDotKept) {
    String text = new String(input, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace('\r', '\n');
    StringBuilder out = new StringBuilder(text.length() + text.length() / 40);
    String[] lines = text.split("\n", -1);
    // split(-1) leaves an empty last piece after a final LF: it is no line of its own.
    int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
    for (int i = 0; i < count; i++) {
      if (!isDotKept && lines[i].equals(".")) {
        break;
      }
      out.append(lines[i]).append("\r\n");
    }
    return out.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static boolean hasFrom(byte[] content) {
    for (String line : new String(content, StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (line.isEmpty()) {
        return false;
      }
      if (line.toLowerCase(Locale.ROOT).startsWith("from:")) {
        return true;
      }
    }
    return false;
  }

  private static byte[] concat(byte[] first, byte[] second) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(first.length + second.length);
    out.writeBytes(first);
    out.writeBytes(second);
    return out.toByteArray();
  }

  private int fail(int code, String message) {
    spec.commandLine().getErr().println("sendmail: " + TerminalText.visible(message));
    spec.commandLine().getErr().flush();
    return code;
  }
}
