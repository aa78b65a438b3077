package dev.hikyaku.app;

import dev.hikyaku.config.DurationSyntax;
import dev.hikyaku.store.AttemptOutcome;
import dev.hikyaku.store.AttemptRecord;
import dev.hikyaku.store.HistoryMessage;
import dev.hikyaku.store.HistoryQuery;
import dev.hikyaku.store.HistoryRecipient;
import dev.hikyaku.store.HistoryRecord;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hikyaku history}: what became of accepted messages, from the store's message history
 * (kept after they leave the queue, for {@code history.retention}). Reads only; the server may be
 * running. Everything printed that comes from the store (addresses, header fields, remote replies)
 * goes through {@link TerminalText#visible}: a Subject can carry any control character a sender
 * chose.
 */
@Command(
    name = "history",
    description = "Search the history of accepted messages and their delivery attempts.",
    subcommands = {HistoryCommand.Search.class, HistoryCommand.Show.class})
final class HistoryCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  private static final String STATUSES =
      Arrays.stream(AttemptOutcome.values()).map(AttemptOutcome::keyword).collect(Collectors.joining(", ", "[", "]"));

  @Command(name = "search", description = "List messages, newest first, with each recipient's latest status.")
  static final class Search implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE") Path config;
    @Option(names = "--sender", paramLabel = "ADDRESS", description = "Only messages from this envelope sender (\"\" for bounces).") String sender;
    @Option(names = "--recipient", paramLabel = "ADDRESS", description = "Only messages to this recipient.") String recipient;
    @Option(names = "--message-id", paramLabel = "ID", description = "Only the message with this Message-ID (angle brackets optional).") String messageId;

    @Option(names = "--tag", paramLabel = "TAG", description = "Only messages sent over the API with this tag.") String tag;
    @Option(names = "--status", description = "Only messages with a recipient whose latest attempt was this (delivered, relayed, deferred, failed, expired, returned, complained); with --recipient, that recipient's.") String status;
    @Option(names = "--since", paramLabel = "TIME", description = "Only messages received at or after TIME: an ISO-8601 instant (2026-05-01T09:00:00Z), a date (UTC) or a duration ago (30m, 2h, 3d).") String since;
    @Option(names = "--until", paramLabel = "TIME", description = "Only messages received before TIME (as --since).") String until;
    @Option(names = "--limit", defaultValue = "100", description = "At most this many (default ${DEFAULT-VALUE}).") int limit;
    @Option(names = "--json", description = "One JSON array of the messages, for scripts.") boolean isJson;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (limit < 1) {
        throw new Main.UserError("--limit must be at least 1, was " + limit);
      }
      Optional<AttemptOutcome> outcome = Optional.empty();
      if (status != null) {
        outcome = Optional.of(AttemptOutcome.fromKeyword(status)
            .orElseThrow(() -> new Main.UserError("--status must be one of " + STATUSES + ", was '" + status + "'")));
      }
      Instant now = Instant.now();
      Optional<Instant> from = since == null ? Optional.empty() : Optional.of(time("--since", since, now));
      Optional<Instant> to = until == null ? Optional.empty() : Optional.of(time("--until", until, now));
      if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
        throw new Main.UserError("--since " + since + " is not before --until " + until);
      }
      PrintWriter out = spec.commandLine().getOut();
      try (Store store = QueueCommand.open(config)) {
        List<HistoryMessage> found = store.history().search(new HistoryQuery(
            Optional.ofNullable(sender), Optional.ofNullable(recipient), Optional.ofNullable(messageId), outcome, from, to,
            Optional.empty(), Optional.empty(), Optional.ofNullable(tag), limit));
        if (isJson) {
          List<Map<String, Object>> rows = new ArrayList<>();
          for (HistoryMessage m : found) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", m.id().toString());
            row.put("received_at", m.receivedAt());
            row.put("size", m.size());
            row.put("sender", m.reversePath());
            row.put("recipients", m.recipients().stream().map(r -> {
              Map<String, Object> recipient = new LinkedHashMap<>();
              recipient.put("recipient", r.forwardPath());
              recipient.put("status", status(r));
              return recipient;
            }).toList());
            rows.add(row);
          }
          CliJson.print(out, rows);
          out.flush();
          return 0;
        }
        out.printf("%-16s  %-20s  %9s  %s  %s%n", "ID", "RECEIVED", "SIZE", "SENDER", "RECIPIENTS (LATEST STATUS)");
        for (HistoryMessage m : found) {
          String recipients = m.recipients().stream()
              .map(r -> visible(r.forwardPath()) + " " + status(r))
              .collect(Collectors.joining(", "));
          out.printf("%-16s  %-20s  %9d  <%s>  %s%n",
              m.id(), AccountCommands.time(m.receivedAt()), m.size(), visible(m.reversePath()), recipients);
        }
        out.printf("%d message(s)%s%n", found.size(),
            found.size() == limit ? " (the newest " + limit + "; narrow the search or raise --limit)" : "");
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "show", description = "Show one message: envelope, origin, header fields, and every attempt per recipient.")
  static final class Show implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE") Path config;
    @Option(names = "--json", description = "One JSON object, every attempt per recipient, for scripts.") boolean isJson;
    @Parameters(paramLabel = "ID") String id;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      QueueId queueId = QueueId.parse(id)
          .orElseThrow(() -> new Main.UserError("not a queue id: '" + id + "' (16 characters, as printed by history search)"));
      PrintWriter out = spec.commandLine().getOut();
      try (Store store = QueueCommand.open(config)) {
        HistoryRecord record = store.history().show(queueId)
            .orElseThrow(() -> new Main.UserError("no message " + queueId + " in the history"));
        HistoryMessage m = record.message();
        if (isJson) {
          CliJson.printObject(out, json(record));
          out.flush();
          return 0;
        }
        out.printf("id:          %s%n", m.id());
        out.printf("received:    %s%n", m.receivedAt());
        out.printf("size:        %d octets%n", m.size());
        out.printf("sender:      <%s>%n", visible(m.reversePath()));
        out.printf("origin:      %s from %s%s%n", visible(m.listener()), visible(m.clientAddress()),
            m.principal().map(p -> ", principal " + visible(p)).orElse(""));
        out.printf("message-id:  %s%n", m.headers().messageId().map(HistoryCommand::visible).orElse("(none)"));
        out.printf("subject:     %s%n", m.headers().subject().map(HistoryCommand::visible).orElse("(none)"));
        out.printf("from:        %s%n", m.headers().from().map(HistoryCommand::visible).orElse("(none)"));
        out.printf("recipients:  %d%n", m.recipients().size());
        for (HistoryRecipient r : m.recipients()) {
          List<AttemptRecord> attempts = record.attemptsOf(r.forwardPath());
          out.printf("  <%s>  %s, %d attempt(s)%n", visible(r.forwardPath()), status(r), attempts.size());
          for (AttemptRecord a : attempts) {
            out.printf("    #%d %s  %s  %s  delay %s%s%s%n", a.attempt(), AccountCommands.time(a.attemptedAt()),
                a.outcome().keyword(), a.enhancedStatus(), seconds(a.delay()),
                a.nextAttemptAt().map(at -> "  next " + AccountCommands.time(at)).orElse(""),
                // What came back later says where it came from: a DSN, a feedback report.
                a.source() == AttemptRecord.Source.SMTP ? "" : "  reported by " + a.source().keyword());
            if (a.remoteMta().isPresent() || a.tlsProtocol().isPresent()) {
              out.printf("       relay %s%s%n", a.remoteMta().map(HistoryCommand::visible).orElse("none"),
                  a.tlsProtocol().map(p -> ", " + visible(p) + a.tlsCipher().map(c -> " " + visible(c)).orElse("")).orElse(""));
            }
            out.printf("       %s%n", visible(a.diagnostic()));
          }
        }
      }
      out.flush();
      return 0;
    }
  }

  private static Map<String, Object> json(HistoryRecord record) {
    HistoryMessage m = record.message();
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("id", m.id().toString());
    message.put("received_at", m.receivedAt());
    message.put("size", m.size());
    message.put("sender", m.reversePath());
    message.put("listener", m.listener());
    message.put("client_address", m.clientAddress());
    message.put("principal", m.principal());
    message.put("message_id", m.headers().messageId());
    message.put("subject", m.headers().subject());
    message.put("from", m.headers().from());
    List<Map<String, Object>> recipients = new ArrayList<>();
    for (HistoryRecipient r : m.recipients()) {
      List<Map<String, Object>> attempts = new ArrayList<>();
      for (AttemptRecord a : record.attemptsOf(r.forwardPath())) {
        Map<String, Object> attempt = new LinkedHashMap<>();
        attempt.put("attempt", a.attempt());
        attempt.put("at", a.attemptedAt());
        attempt.put("outcome", a.outcome().keyword());
        attempt.put("status", a.enhancedStatus());
        attempt.put("delay_seconds", a.delay().toMillis() / 1000.0);
        attempt.put("next_attempt_at", a.nextAttemptAt());
        attempt.put("source", a.source().keyword());
        attempt.put("relay", a.remoteMta());
        attempt.put("tls_protocol", a.tlsProtocol());
        attempt.put("tls_cipher", a.tlsCipher());
        attempt.put("diagnostic", a.diagnostic());
        attempts.add(attempt);
      }
      Map<String, Object> recipient = new LinkedHashMap<>();
      recipient.put("recipient", r.forwardPath());
      recipient.put("status", status(r));
      recipient.put("attempts", attempts);
      recipients.add(recipient);
    }
    message.put("recipients", recipients);
    return message;
  }

  /** A recipient's latest outcome, or {@code pending} before its first attempt (the queue's word). */
  private static String status(HistoryRecipient recipient) {
    return recipient.latestOutcome().map(AttemptOutcome::keyword).orElse("pending");
  }

  /** Seconds with a tenth, as Postfix's {@code delay=}. */
  private static String seconds(Duration delay) {
    return String.format(Locale.ROOT, "%.1fs", delay.toMillis() / 1000.0);
  }

  private static String visible(String stored) {
    return TerminalText.visible(stored);
  }

  private static final Pattern YEAR_FIRST = Pattern.compile("[0-9]{4}-.*");

  /**
   * A time given to {@code option}: an ISO-8601 date-time with its offset ({@code
   * 2026-05-01T09:00:00Z}, {@code 2026-05-01T18:00+09:00}), a date (its start, UTC), or a duration
   * meaning that long before {@code now}, in the syntax of {@code queue list --older-than}.
   */
  static Instant time(String option, String text, Instant now) throws Main.UserError {
    String given = text.strip();
    String forms = " (expected an ISO-8601 instant such as 2026-05-01T09:00:00Z, a date such as 2026-05-01 (UTC),"
        + " or a duration ago such as 30m, 2h, 3d)";
    Instant at;
    if (YEAR_FIRST.matcher(given).matches()) {
      try {
        at = given.contains("T")
            ? OffsetDateTime.parse(given).toInstant()
            : LocalDate.parse(given).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeException e) {
        throw new Main.UserError(option + " '" + text + "' is not a time" + forms);
      }
    } else {
      Duration ago;
      try {
        ago = DurationSyntax.parse(given);
      } catch (IllegalArgumentException e) {
        throw new Main.UserError(option + " '" + text + "' is not a time" + forms);
      }
      try {
        at = now.minus(ago);
      } catch (DateTimeException | ArithmeticException e) {
        at = Instant.MIN;
      }
    }
    try {
      at.toEpochMilli(); // what the store compares: must fit
    } catch (ArithmeticException e) {
      throw new Main.UserError(option + " " + text + " is outside any time the history can hold");
    }
    return at;
  }
}
