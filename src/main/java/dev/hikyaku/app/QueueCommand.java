package dev.hikyaku.app;

import dev.hikyaku.config.DurationSyntax;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.HostSyntax;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.QueuedRecipient;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hikyaku queue}: look into the queue. Reads the store; the server may be running. */
@Command(
    name = "queue",
    description = "Inspect the message queue.",
    subcommands = {
      QueueCommand.ListMessages.class,
      QueueCommand.Show.class,
      QueueCommand.Hold.class,
      QueueCommand.Release.class,
      QueueCommand.Delete.class,
      QueueCommand.Bounce.class,
      QueueCommand.Flush.class
    })
final class QueueCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Store open(Path config) throws Exception {
    HikyakuConfig effective = Main.loadConfig(config);
    if (!StoreOpening.exists(effective)) {
      throw new Main.UserError(
          "no queue in " + effective.dataDirectory().toAbsolutePath()
              + " (start the server once, or pass the --config the server uses)");
    }
    return StoreOpening.open(effective, Clock.systemUTC());
  }

  @Command(name = "list", description = "List queued messages, oldest first.")
  static final class ListMessages implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE") Path config;
    @Option(names = "--sender", description = "Only messages from this envelope sender.") String sender;
    @Option(names = "--recipient", description = "Only messages with this recipient.") String recipient;
    @Option(names = "--state", description = "Only messages in this state (queued, held, returning).") String state;
    @Option(names = "--limit", defaultValue = "1000", description = "At most this many (default ${DEFAULT-VALUE}).") int limit;
    @Option(names = "--older-than", paramLabel = "DURATION", description = "Only messages received longer ago than this (e.g. 30m, 2h, 3d).") String olderThan;
    @Option(names = "--json", description = "One JSON array of the messages, for scripts.") boolean isJson;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (limit < 1) {
        throw new Main.UserError("--limit must be at least 1, was " + limit);
      }
      if (state != null && !QueueQuery.MESSAGE_STATES.contains(state)) {
        throw new Main.UserError("--state must be one of " + new TreeSet<>(QueueQuery.MESSAGE_STATES) + ", was '" + state + "'");
      }
      Instant receivedBefore = null;
      if (olderThan != null) {
        try {
          receivedBefore = Instant.now().minus(duration(olderThan));
          receivedBefore.toEpochMilli(); // what the store compares: must fit too
        } catch (DateTimeException | ArithmeticException e) {
          throw new Main.UserError("--older-than " + olderThan + " reaches before any time the queue can hold");
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      try (Store store = open(config)) {
        List<QueueEntry> entries =
            store.queueAdmin().list(
                new QueueQuery(
                    Optional.ofNullable(sender),
                    Optional.ofNullable(recipient),
                    Optional.ofNullable(state),
                    Optional.ofNullable(receivedBefore),
                    limit));
        if (isJson) {
          List<Map<String, Object>> rows = new ArrayList<>();
          for (QueueEntry e : entries) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", e.id().toString());
            row.put("received_at", e.receivedAt());
            row.put("size", e.size());
            row.put("recipients", e.recipientCount());
            row.put("state", e.state().stored());
            row.put("sender", e.reversePath());
            row.put("hold_reason", e.holdReason().orElse(null));
            rows.add(row);
          }
          CliJson.print(out, rows);
          return 0;
        }
        out.printf("%-16s  %-20s  %9s  %5s  %-7s  %s%n", "ID", "RECEIVED", "SIZE", "RCPTS", "STATE", "SENDER");
        for (QueueEntry e : entries) {
          out.printf(
              "%-16s  %-20s  %9d  %5d  %-7s  <%s>%n",
              e.id(), AccountCommands.time(e.receivedAt()), e.size(), e.recipientCount(), e.state().stored(), e.reversePath());
          // Why it is held, when a content filter held it (an operator's hold has no reason).
          e.holdReason().ifPresent(why -> out.printf("  held: %s%n", TerminalText.visible(why)));
        }
        out.printf("%d message(s)%n", entries.size());
      }
      return 0;
    }
  }

  @Command(name = "show", description = "Show one message: envelope, origin, recipients, header.")
  static final class Show implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE") Path config;
    @Option(names = "--content", description = "Print the whole message, not just its header.") boolean isWholeContent;
    @Option(names = "--json", description = "One JSON object, for scripts (the header or, with --content, the message as text).") boolean isJson;
    @Parameters(paramLabel = "ID") String id;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      QueueId queueId =
          QueueId.parse(id).orElseThrow(() -> new Main.UserError("not a queue id: '" + id + "' (16 characters, as printed by queue list)"));
      PrintWriter out = spec.commandLine().getOut();
      try (Store store = open(config)) {
        QueuedMessage m =
            store.queueAdmin().find(queueId).orElseThrow(() -> new Main.UserError("no message " + queueId + " in the queue"));
        String content = new String(m.content(), StandardCharsets.UTF_8);
        int headerEnd = content.indexOf("\r\n\r\n");
        String shown = isWholeContent || headerEnd < 0 ? content : content.substring(0, headerEnd + 2);
        if (isJson) {
          CliJson.printObject(out, json(m, isWholeContent ? "content" : "header", shown));
          out.flush();
          return 0;
        }
        out.printf("id:          %s%n", m.id());
        out.printf("received:    %s%n", m.receivedAt());
        out.printf("state:       %s%n", m.state().stored());
        m.holdReason().ifPresent(why -> out.printf("held:        %s%n", TerminalText.visible(why)));
        out.printf("size:        %d octets%n", m.size());
        out.printf("sender:      <%s>%s%n", m.reversePath(), m.mailParameters().isEmpty() ? "" : " " + m.mailParameters());
        out.printf("origin:      %s from %s (helo %s)%s%s%n",
            m.origin().listener(), m.origin().clientAddress(), m.origin().heloName(),
            m.origin().tlsProtocol() == null ? "" : ", " + m.origin().tlsProtocol() + " " + m.origin().tlsCipher(),
            m.origin().principal() == null ? "" : ", principal " + m.origin().principal());
        out.printf("recipients:  %d%n", m.recipients().size());
        for (QueuedRecipient r : m.recipients()) {
          out.printf("  <%s>%s  %s, %d attempt(s)%s%s%s%n",
              r.forwardPath(), r.parameters().isEmpty() ? "" : " " + r.parameters(), r.state(), r.attempts(),
              r.lastAttemptAt() == null ? "" : ", last " + AccountCommands.time(r.lastAttemptAt()),
              r.lastReply() == null ? "" : ", last reply: " + r.lastReply(),
              r.nextAttemptAt() == null ? "" : ", next attempt " + r.nextAttemptAt());
        }
        out.println();
        out.print(shown);
        out.flush();
      }
      return 0;
    }

    private static Map<String, Object> json(QueuedMessage m, String textName, String text) {
      Map<String, Object> origin = new LinkedHashMap<>();
      origin.put("listener", m.origin().listener());
      origin.put("client_address", m.origin().clientAddress());
      origin.put("helo", m.origin().heloName());
      origin.put("tls_protocol", m.origin().tlsProtocol());
      origin.put("tls_cipher", m.origin().tlsCipher());
      origin.put("principal", m.origin().principal());
      List<Map<String, Object>> recipients = new ArrayList<>();
      for (QueuedRecipient r : m.recipients()) {
        Map<String, Object> recipient = new LinkedHashMap<>();
        recipient.put("recipient", r.forwardPath());
        recipient.put("parameters", r.parameters());
        recipient.put("state", r.state());
        recipient.put("attempts", r.attempts());
        recipient.put("last_attempt_at", r.lastAttemptAt());
        recipient.put("last_reply", r.lastReply());
        recipient.put("next_attempt_at", r.nextAttemptAt());
        recipients.add(recipient);
      }
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("id", m.id().toString());
      message.put("received_at", m.receivedAt());
      message.put("state", m.state().stored());
      message.put("hold_reason", m.holdReason());
      message.put("size", m.size());
      message.put("sender", m.reversePath());
      message.put("mail_parameters", m.mailParameters());
      message.put("origin", origin);
      message.put("recipients", recipients);
      message.put(textName, text);
      return message;
    }
  }


  /** A CLI duration in the config file's syntax (30m, 2h, 3d, PT5M), as a clear error when it is not one. */
  static Duration duration(String text) throws Main.UserError {
    try {
      return DurationSyntax.parse(text.strip());
    } catch (IllegalArgumentException e) {
      throw new Main.UserError("not a duration: '" + text + "' (" + e.getMessage() + ")");
    }
  }


  /** A command on one message of the queue, recorded as an admin change. */
  abstract static class OnMessage implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE") Path config;
    @Parameters(paramLabel = "ID") String id;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      QueueId queueId =
          QueueId.parse(id).orElseThrow(() -> new Main.UserError("not a queue id: '" + id + "' (16 characters, as printed by queue list)"));
      try (Store store = open(config)) {
        try {
          String done = apply(store, queueId);
          store.adminChanges().record("queue " + spec.name(), queueId.value(), "");
          spec.commandLine().getOut().println(done);
        } catch (StoreException e) {
          throw new Main.UserError(e.getMessage());
        }
      }
      spec.commandLine().getOut().flush();
      return 0;
    }

    abstract String apply(Store store, QueueId id) throws Exception;
  }

  @Command(name = "hold", description = "Keep a message in the queue without delivering it.")
  static final class Hold extends OnMessage {
    @Override
    String apply(Store store, QueueId id) throws Exception {
      store.queueAdmin().hold(id);
      return "message " + id + " held";
    }
  }

  @Command(name = "release", description = "Let a held message be delivered again.")
  static final class Release extends OnMessage {
    @Override
    String apply(Store store, QueueId id) throws Exception {
      store.queueAdmin().release(id);
      return "message " + id + " released";
    }
  }

  @Command(name = "delete", description = "Remove a message without delivering it (no bounce is sent).")
  static final class Delete extends OnMessage {
    @Override
    String apply(Store store, QueueId id) throws Exception {
      store.queueAdmin().delete(id);
      return "message " + id + " deleted";
    }
  }

  @Command(
      name = "bounce",
      description = "Return a message to its sender: its undelivered recipients fail with a DSN (RFC 3464) at the server's next pass.")
  static final class Bounce extends OnMessage {
    @Override
    String apply(Store store, QueueId id) throws Exception {
      store.queueAdmin().returnToSender(id);
      return "message " + id + " returning to its sender";
    }
  }

  @Command(name = "flush", description = "Retry deferred recipients now: one message at once; all, or --domain, through the server's scheduler, which applies the request in batches.")
  static final class Flush implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE") Path config;
    @Parameters(paramLabel = "ID", arity = "0..1", description = "One message; all deferred recipients without it.") String id;
    @Option(names = "--domain", description = "Only recipients at this domain, across the queue.") String domain;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (id != null && domain != null) {
        throw new Main.UserError("give a queue id or --domain, not both");
      }
      Optional<QueueId> queueId = Optional.empty();
      if (id != null) {
        queueId = Optional.of(QueueId.parse(id).orElseThrow(() -> new Main.UserError("not a queue id: '" + id + "'")));
      }
      if (domain != null) {
        Optional<String> problem = HostSyntax.domainProblem(domain);
        if (problem.isPresent()) {
          throw new Main.UserError("--domain " + domain + ": " + problem.get());
        }
      }
      try (Store store = open(config)) {
        if (queueId.isPresent()) {
          int moved;
          try {
            moved = store.queueAdmin().flush(queueId.get());
          } catch (StoreException e) {
            if (e.kind() == StoreException.Kind.NOT_FOUND) {
              throw new Main.UserError(e.getMessage()); // an id that is not (or no longer) in the queue
            }
            throw e;
          }
          store.adminChanges().record("queue flush", queueId.get().value(), moved + " recipient(s)");
          spec.commandLine().getOut().println(moved + " deferred recipient(s) due now");
        } else {
          // Like postqueue -f / -s: a request the server's scheduler applies in short batches, so that
          // neither this command nor the sessions' commits wait for every recipient to be rewritten.
          long toMove = store.queueAdmin().requestFlush(Optional.ofNullable(domain));
          String at = domain != null ? " at " + domain : "";
          store.adminChanges().record("queue flush", domain != null ? "@" + domain : "all", toMove + " recipient(s) requested");
          spec.commandLine().getOut().println(toMove == 0
              ? "no deferred recipient" + at + " waiting: nothing to flush"
              : toMove + " deferred recipient(s)" + at + " to be made due: flush requested; the server's scheduler"
                  + " moves them in batches (when it starts, if it is not running)");
        }
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
