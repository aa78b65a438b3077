package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.Principal;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.TestCertificates;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real server on 127.0.0.1 for external clients: the submission listeners start every session
 * with {@link #PRINCIPAL} (the settings seam until SMTP AUTH exists), the relay listener with none.
 * The server's certificate is written to a PEM file, the only trust anchor the clients are given,
 * so each TLS test verifies for real.
 */
final class InteropServer implements AutoCloseable {

  static final String PRINCIPAL = "alice@hikyaku.test";
  static final String HOSTNAME = TestServers.HOSTNAME;
  /** The password of {@link #PRINCIPAL}'s account, for the AUTH interop tests. */
  static final String PASSWORD = "a pass phrase long enough for any policy 7";

  // RFC 5322 §2.2.3: unfold first (CRLF followed by WSP), then read the clause.
  private static final Pattern FOLD = Pattern.compile("\r\n[ \t]");
  private static final Pattern WITH_CLAUSE = Pattern.compile("\\swith\\s+(\\S+)");

  private final Server server;
  private final Path certificateFile;
  private final Path impostorCertificateFile;
  private final List<Event> events;

  private InteropServer(Server server, Path certificateFile, Path impostorCertificateFile, List<Event> events) {
    this.server = server;
    this.certificateFile = certificateFile;
    this.impostorCertificateFile = impostorCertificateFile;
    this.events = events;
  }

  static InteropServer start(Path directory) throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();
    Server server =
        TestServers.start(
            TestServers.config(directory.resolve("data")),
            s -> s.role() == ListenerRole.RELAY ? s : s.withAssumedPrincipal(new Principal(PRINCIPAL)),
            List.of(events::add));
    // The assumed principal owns its address only if its account exists (RFC 6409 §4.2 check).
    TestServers.createAccount(server, PRINCIPAL, PASSWORD);
    Path certificateFile = directory.resolve("server-cert.pem");
    String pem =
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(server.tls().currentCertificate().getEncoded())
            + "\n-----END CERTIFICATE-----\n";
    Files.writeString(certificateFile, pem, StandardCharsets.US_ASCII);
    Path impostorCertificateFile = directory.resolve("impostor-cert.pem");
    Files.writeString(
        impostorCertificateFile, TestCertificates.ecdsa(HOSTNAME).certificateChainPem(), StandardCharsets.US_ASCII);
    return new InteropServer(server, certificateFile, impostorCertificateFile, events);
  }

  int port(ListenerRole role) {
    return server.port(role);
  }

  String portText(ListenerRole role) {
    return Integer.toString(port(role));
  }

  /** PEM of the certificate the server presents; a client trusting only this verifies for real. */
  Path certificateFile() {
    return certificateFile;
  }

  /**
   * PEM of a certificate for the same hostname under another key: a client told to trust only this
   * must refuse the server, which shows its verification is real.
   */
  Path impostorCertificateFile() {
    return impostorCertificateFile;
  }

  /** A word no other test's message contains, to find this test's message in the shared store. */
  static String token() {
    return "interop-" + UUID.randomUUID();
  }

  /** The one queued message whose content contains {@code token}; fails when there is not exactly one. */
  QueuedMessage messageContaining(String token) throws Exception {
    List<QueuedMessage> found = messagesContaining(token);
    assertThat(found).as("queued messages containing %s", token).hasSize(1);
    return found.getFirst();
  }

  List<QueuedMessage> messagesContaining(String token) throws Exception {
    byte[] needle = token.getBytes(StandardCharsets.UTF_8);
    List<QueuedMessage> found = new ArrayList<>();
    for (QueueEntry entry : server.store().queue().list(QueueQuery.all())) {
      QueuedMessage message = server.store().queue().find(entry.id()).orElseThrow();
      if (indexOf(message.content(), needle) >= 0) {
        found.add(message);
      }
    }
    return found;
  }

  /** Where the next event will land in {@link #eventsSince}: take it before running a client. */
  int eventMark() {
    return events.size();
  }

  List<Event> eventsSince(int mark) {
    return List.copyOf(events.subList(mark, events.size()));
  }

  static String content(QueuedMessage message) {
    return new String(message.content(), StandardCharsets.UTF_8);
  }

  /** The topmost Received header, unfolded: the one this server added (RFC 5321 §4.4 prepends). */
  static String topReceived(QueuedMessage message) {
    String content = content(message);
    assertThat(content).as("message starts with the trace header").startsWith("Received: ");
    String unfolded = FOLD.matcher(content).replaceAll(" ");
    return unfolded.substring(0, unfolded.indexOf("\r\n"));
  }

  /** The protocol named in the {@code with} clause of the topmost Received header (RFC 3848). */
  static String receivedWith(QueuedMessage message) {
    String received = topReceived(message);
    Matcher with = WITH_CLAUSE.matcher(received);
    assertThat(with.find()).as("a with clause in %s", received).isTrue();
    return with.group(1);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public void close() {
    server.close();
  }
}
