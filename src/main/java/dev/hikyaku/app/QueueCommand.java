package dev.hikyaku.app;

import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.store.QueueEntry;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueueQuery;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.store.QueuedRecipient;
import dev.hikyaku.store.Store;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hikyaku queue}: look into the queue. Reads the store; the server may be running. */
@Command(
    name = "queue",
    description = "Inspect the message queue.",
    subcommands = {QueueCommand.ListMessages.class, QueueCommand.Show.class})
final class QueueCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Store open(Path config) throws Exception {
    HikyakuConfig effective = Main.loadConfig(config);
    if (!effective.dataDirectory().resolve("hikyaku.db").toFile().exists()) {
      throw new Main.UserError(
          "no queue in " + effective.dataDirectory().toAbsolutePath()
              + " (start the server once, or pass the --config the server uses)");
    }
    return Store.openSqlite(effective.dataDirectory(), Clock.systemUTC());
  }

  @Command(name = "list", description = "List queued messages, oldest first.")
  static final class ListMessages implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE") Path config;
    @Option(names = "--sender", description = "Only messages from this envelope sender.") String sender;
    @Option(names = "--recipient", description = "Only messages with this recipient.") String recipient;
    @Option(names = "--state", description = "Only messages in this state (queued, held).") String state;
    @Option(names = "--limit", defaultValue = "1000", description = "At most this many (default ${DEFAULT-VALUE}).") int limit;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (limit < 1) {
        throw new Main.UserError("--limit must be at least 1, was " + limit);
      }
      PrintWriter out = spec.commandLine().getOut();
      try (Store store = open(config)) {
        List<QueueEntry> entries =
            store.queue().list(
                new QueueQuery(
                    Optional.ofNullable(sender),
                    Optional.ofNullable(recipient),
                    Optional.ofNullable(state),
                    Optional.empty(),
                    limit));
        out.printf("%-16s  %-20s  %9s  %5s  %-7s  %s%n", "ID", "RECEIVED", "SIZE", "RCPTS", "STATE", "SENDER");
        for (QueueEntry e : entries) {
          out.printf(
              "%-16s  %-20s  %9d  %5d  %-7s  <%s>%n",
              e.id(), e.receivedAt().toString().replaceFirst("\\.\\d+Z$", "Z"), e.size(), e.recipientCount(), e.state(), e.reversePath());
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
    @Parameters(paramLabel = "ID") String id;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      QueueId queueId =
          QueueId.parse(id).orElseThrow(() -> new Main.UserError("not a queue id: '" + id + "' (16 characters, as printed by queue list)"));
      PrintWriter out = spec.commandLine().getOut();
      try (Store store = open(config)) {
        QueuedMessage m =
            store.queue().find(queueId).orElseThrow(() -> new Main.UserError("no message " + queueId + " in the queue"));
        out.printf("id:          %s%n", m.id());
        out.printf("received:    %s%n", m.receivedAt());
        out.printf("state:       %s%n", m.state());
        out.printf("size:        %d octets%n", m.size());
        out.printf("sender:      <%s>%s%n", m.reversePath(), m.mailParameters().isEmpty() ? "" : " " + m.mailParameters());
        out.printf("origin:      %s from %s (helo %s)%s%s%n",
            m.origin().listener(), m.origin().clientAddress(), m.origin().heloName(),
            m.origin().tlsProtocol() == null ? "" : ", " + m.origin().tlsProtocol() + " " + m.origin().tlsCipher(),
            m.origin().principal() == null ? "" : ", principal " + m.origin().principal());
        out.printf("recipients:  %d%n", m.recipients().size());
        for (QueuedRecipient r : m.recipients()) {
          out.printf("  <%s>%s  %s, %d attempt(s)%s%s%n",
              r.forwardPath(), r.parameters().isEmpty() ? "" : " " + r.parameters(), r.state(), r.attempts(),
              r.lastReply() == null ? "" : ", last reply: " + r.lastReply(),
              r.nextAttemptAt() == null ? "" : ", next attempt " + r.nextAttemptAt());
        }
        out.println();
        String content = new String(m.content(), StandardCharsets.UTF_8);
        int headerEnd = content.indexOf("\r\n\r\n");
        out.print(isWholeContent || headerEnd < 0 ? content : content.substring(0, headerEnd + 2));
        out.flush();
      }
      return 0;
    }
  }

}
