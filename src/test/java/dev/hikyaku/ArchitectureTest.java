package dev.hikyaku;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The "must never" column of docs/ARCHITECTURE.md, checked mechanically over the imports of the
 * main sources.
 */
class ArchitectureTest {

  private static final Path MAIN = Path.of("src/main/java/dev/hikyaku");
  private static final Pattern OUR_IMPORT = Pattern.compile("^import (?:static )?dev\\.hikyaku\\.([a-z]+)\\.([A-Za-z.]+);", Pattern.MULTILINE);

  /** package → (file → imported "package.Type" of ours). */
  private static Map<String, Map<String, List<String>>> imports;

  @BeforeAll
  static void readImports() throws IOException {
    imports = new TreeMap<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String pkg = MAIN.relativize(file).getName(0).toString();
        Matcher m = OUR_IMPORT.matcher(Files.readString(file));
        List<String> ours = new ArrayList<>();
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            ours.add(m.group(1) + "." + m.group(2));
          }
        }
        imports.computeIfAbsent(pkg, k -> new TreeMap<>()).put(file.getFileName().toString(), ours);
      }
    }
    assertThat(imports).containsKeys("protocol", "session", "net", "store", "intake", "app", "config");
  }

  private static List<String> importsOf(String pkg) {
    return imports.getOrDefault(pkg, Map.of()).entrySet().stream()
        .flatMap(e -> e.getValue().stream().map(i -> e.getKey() + " imports " + i))
        .toList();
  }

  @Test
  void protocolImportsNothingOfOurs() {
    assertThat(importsOf("protocol")).isEmpty();
  }

  @Test
  void netKnowsNoSmtp() {
    // Connection counting uses the anvil counters; nothing that knows SMTP.
    assertThat(importsOf("net")).allMatch(i -> i.contains(" imports limits."));
  }

  @Test
  void limitsDecideNothing() {
    assertThat(importsOf("limits")).isEmpty();
  }

  @Test
  void deliveryNeverImportsSession() {
    assertThat(importsOf("delivery")).noneMatch(i -> i.contains(" imports session."));
  }

  @Test
  void sessionNeverWritesTheStore() {
    // The session may name a queue id in its reply, and read the block the throttle hands it (a
    // value: its end and reason go into the 554); everything else goes through intake.
    assertThat(importsOf("session"))
        .filteredOn(i -> i.contains(" imports store."))
        .allMatch(i -> i.endsWith(" imports store.QueueId") || i.endsWith(" imports store.Block"));
  }

  @Test
  void mailauthReachesTheNetworkOnlyThroughDns() throws IOException {
    // docs/ARCHITECTURE.md: mailauth must never do network I/O except through dns.
    assertThat(importsOf("mailauth")).allMatch(i -> i.contains(" imports dns."));
    try (Stream<Path> files = Files.walk(MAIN.resolve("mailauth"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        assertThat(Files.readString(file)).as(file.toString())
            .doesNotContain("java.net.Socket", "java.net.http", "java.net.URL", "openConnection(", "DatagramSocket");
      }
    }
  }

  @Test
  void returnedMailIsReadAfterTheQueueAndNeverSent() {
    // docs/ARCHITECTURE.md: returns reads what came back (after intake queued it) and records it in
    // the store; it never speaks SMTP to a client, decides a RCPT, or sends mail itself.
    assertThat(importsOf("returns")).noneMatch(i -> i.contains(" imports session.") || i.contains(" imports policy.")
        || i.contains(" imports api.") || i.contains(" imports intake.") || i.contains(" imports schedule.")
        || i.contains(" imports delivery.OutboundSession") || i.contains(" imports delivery.Bouncer"));
    // The RCPT check asks returns through its own interface (policy.ReturnPathRule.ReturnPathCheck).
    assertThat(importsOf("policy")).noneMatch(i -> i.contains(" imports returns."));
    assertThat(importsOf("delivery")).noneMatch(i -> i.contains(" imports returns."));
  }

  @Test
  void storeDependsOnNothingAbove() {
    assertThat(importsOf("store")).isEmpty();
  }

  /**
   * The protocol types the API may name: values that describe an envelope and a reply. The API
   * parses the addresses it is given into them (so a bad one is a 422 naming its JSON pointer) and
   * reads the SMTP reply a refusal carries; it never speaks SMTP (no parser, no data reader, no
   * reply catalogue).
   */
  private static final Set<String> PROTOCOL_VALUES = Set.of(
      "protocol.Envelope", "protocol.ForwardPath", "protocol.ReversePath", "protocol.Mailbox", "protocol.MailParams",
      "protocol.RcptParams", "protocol.Reply", "protocol.EnhancedStatus");

  @Test
  void apiNeverBypassesIntakeOrPolicy() {
    // docs/ARCHITECTURE.md: the API sends through intake and policy like a session, never around them.
    assertThat(importsOf("api"))
        .noneMatch(i -> i.contains(" imports session.") || i.contains(" imports delivery."))
        .filteredOn(i -> i.contains(" imports store."))
        .allMatch(i -> i.contains(" imports store.ApiKey"));
    assertThat(importsOf("api"))
        .filteredOn(i -> i.contains(" imports protocol."))
        .allMatch(i -> PROTOCOL_VALUES.contains(i.substring(i.indexOf(" imports ") + " imports ".length())));
  }

  @Test
  void contentChecksOnlyTalkToTheirFilters() {
    // Issue 21: content holds the filters' clients and their verdicts; intake decides what a verdict
    // means (the reply, a hold), so content never builds a reply or touches the queue.
    assertThat(imports).containsKey("content");
    assertThat(importsOf("content")).isEmpty();
  }

  @Test
  void theConsoleIsAClientOfTheApi() {
    // Issue 20: the console shows and changes only what API routes answer (api.LocalApi), so it can
    // do nothing the API cannot; it never reads or writes the store itself.
    assertThat(imports).containsKey("console");
    assertThat(importsOf("console")).noneMatch(i -> i.contains(" imports store.") && !i.contains(" imports store.ApiKey"))
        .noneMatch(i -> i.contains(" imports policy.") || i.contains(" imports delivery.") || i.contains(" imports session."));
  }

  @Test
  void webhooksStandOnTheStoreAndTheEventsOnly() {
    // docs/ARCHITECTURE.md: webhooks read the store's outbox and publish events; the body's shape
    // comes from the API through a seam, so webhooks never import api (which the app wires to it).
    assertThat(imports).containsKey("webhooks");
    // limits.WakeSignal: the wake-up of a polling loop, shared with the scheduler.
    assertThat(importsOf("webhooks")).allMatch(
        i -> i.contains(" imports store.") || i.contains(" imports events.") || i.contains(" imports limits.WakeSignal"));
    assertThat(importsOf("api")).noneMatch(i -> i.contains(" imports webhooks."));
  }

  @Test
  void onlyAppWiresTheParts() {
    imports.keySet().stream()
        .filter(pkg -> !pkg.equals("app"))
        .forEach(pkg -> assertThat(importsOf(pkg)).as(pkg).noneMatch(i -> i.contains(" imports app.")));
  }

  @Test
  void policyAndIntakeDoNotReachIntoSessionOrApp() {
    for (String pkg : Set.of("policy", "intake", "events", "auth", "config")) {
      assertThat(importsOf(pkg)).as(pkg).noneMatch(i -> i.contains(" imports session."));
    }
  }

  @Test
  void repliesAreBuiltOnlyInTheCatalogue() throws IOException {
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        boolean isCatalogue = file.endsWith("protocol/Replies.java") || file.endsWith("protocol/Reply.java");
        if (!isCatalogue && Files.readString(file).contains("new Reply(")) {
          offenders.add(MAIN.relativize(file).toString());
        }
      }
    }
    assertThat(offenders).as("files building replies outside protocol.Replies").isEmpty();
  }

  @Test
  void everyPackageDocumentsItself() throws IOException {
    // Subpackages too (auth.sasl, auth.credential, auth.oauth): every folder that holds Java.
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path dir : files.filter(f -> f.toString().endsWith(".java")).map(Path::getParent).distinct().toList()) {
        assertThat(dir.resolve("package-info.java")).as(MAIN.relativize(dir).toString()).exists();
      }
    }
  }

  @Test
  void credentialsAndTokensStandApartFromTheExchanges() throws IOException {
    // docs/ARCHITECTURE.md: auth.credential and auth.oauth know no SASL mechanism and no authenticator;
    // auth.sasl uses them, auth uses all three.
    for (String sub : List.of("credential", "oauth")) {
      try (Stream<Path> files = Files.list(MAIN.resolve("auth").resolve(sub))) {
        for (Path file : files.toList()) {
          assertThat(Files.readString(file)).as(file.toString())
              .doesNotContainPattern("import dev\\.hikyaku\\.auth\\.(sasl\\.|[A-Z])");
        }
      }
    }
  }

  /**
   * Types are named through imports, so the rules above see every use: a full name in code
   * ({@code dev.hikyaku.store.Block} or {@code java.util.concurrent.atomic.AtomicLong} outside the
   * import lines) would step around them, and reads worse. Comments, Javadoc and strings may name
   * anything.
   */
  @Test
  void typesAreImportedNotNamedInline() throws IOException {
    Pattern qualified = Pattern.compile("(?<![\\w.])(?:java|javax|dev\\.hikyaku)(?:\\.[a-z][a-z0-9_]*)+\\.[A-Z]");
    List<String> inline = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        boolean inComment = false;
        int number = 0;
        for (String line : Files.readAllLines(file)) {
          number++;
          String code = line.strip();
          if (inComment) {
            inComment = !code.contains("*/");
            continue;
          }
          if (code.startsWith("/*")) {
            inComment = !code.contains("*/");
            continue;
          }
          if (code.startsWith("import ") || code.startsWith("package ") || code.startsWith("//") || code.startsWith("*")) {
            continue;
          }
          code = code.replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"");
          int comment = code.indexOf("//");
          if (comment >= 0) {
            code = code.substring(0, comment);
          }
          if (qualified.matcher(code).find()) {
            inline.add(MAIN.relativize(file) + ":" + number + ": " + line.strip());
          }
        }
      }
    }
    assertThat(inline).isEmpty();
  }
}
