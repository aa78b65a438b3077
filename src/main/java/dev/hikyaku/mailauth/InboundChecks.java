package dev.hikyaku.mailauth;

import dev.hikyaku.dns.DnsResolver;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPF, DKIM and DMARC for mail arriving on port 25, and the Authentication-Results field that
 * records them (RFC 8601) under our host name as the authserv-id.
 */
public final class InboundChecks {

  /** What the checks found, and the field to add. */
  public record Report(Spf.Verdict spf, List<DkimVerifier.Signature> dkim, Dmarc.Evaluation dmarc, ArcVerifier.Chain arc, String field) {

    /** DMARC failed and the disposition (the policy after pct= sampling) is {@code policy}. */
    public boolean isDmarcFailureWith(Dmarc.Policy policy) {
      return dmarc.result() == Dmarc.Result.FAIL && dmarc.disposition().equals(Optional.of(policy));
    }
  }

  private static final Logger log = LoggerFactory.getLogger(InboundChecks.class);

  private final Spf spf;
  private final DkimVerifier dkim;
  private final ArcVerifier arc;
  private final Dmarc dmarc;
  private final String authservId;
  private final Duration budget;

  /**
   * @param budget how long the checks of one message may take: SPF and DKIM run side by side,
   *     DMARC after them; what is still waiting for DNS at the end is reported as temperror
   *     (RFC 8601 §2.7), so a slow resolver costs a client at most this at the end of DATA
   */
  public InboundChecks(DnsResolver dns, Clock clock, String authservId, Duration budget) {
    this.spf = new Spf(dns);
    this.dkim = new DkimVerifier(dns, clock);
    this.arc = new ArcVerifier(dkim);
    this.dmarc = new Dmarc(dns);
    this.authservId = Objects.requireNonNull(authservId, "authservId").toLowerCase(Locale.ROOT);
    this.budget = Objects.requireNonNull(budget, "budget");
  }

  /**
   * Checks {@code message} from {@code client}, which said {@code helo} and MAIL FROM {@code
   * mailFrom} ("" for the null reverse-path).
   */
  public Report check(byte[] message, InetAddress client, String helo, String mailFrom) {
    long deadline = System.nanoTime() + budget.toNanos();
    String late = "no answer within " + budget.toSeconds() + " s";
    // Not try-with-resources: close() would wait for a lookup that is past the budget.
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    Spf.Verdict spfVerdict;
    List<DkimVerifier.Signature> signatures;
    Dmarc.Evaluation evaluation;
    ArcVerifier.Chain chain;
    try {
      var spfTask = threads.submit(() -> spf.check(client, mailFrom, helo));
      var dkimTask = threads.submit(() -> dkim.verify(message));
      // RFC 8617 §5.2: the chain intermediaries sealed, beside the DKIM signatures (its keys are DKIM's).
      var arcTask = threads.submit(() -> arc.verify(message));
      // Parsing is CPU work, and the budget holds for it too: nothing of a message's checks runs
      // on the session's thread, and what is late is abandoned (interrupted, it stops; see Canonical).
      var fromTask = threads.submit(() -> fromDomain(message));
      spfVerdict = within(spfTask, deadline, new Spf.Verdict(Spf.Result.TEMPERROR, late));
      signatures = within(dkimTask, deadline,
          List.of(new DkimVerifier.Signature(DkimVerifier.Result.TEMPERROR, "", "", "", late)));
      chain = within(arcTask, deadline, new ArcVerifier.Chain(ArcVerifier.Result.FAIL, 0, late));
      String spfDomain = mailFrom.isEmpty() ? helo : mailFrom.substring(mailFrom.lastIndexOf('@') + 1);
      Optional<String> from = within(fromTask, deadline, Optional.empty());
      if (fromTask.isCancelled()) { // not parsed within the budget
        evaluation = new Dmarc.Evaluation(Dmarc.Result.TEMPERROR, "", Optional.empty(), late);
      } else if (from.isPresent()) {
        Spf.Result spfResult = spfVerdict.result();
        List<DkimVerifier.Signature> dkimResults = signatures;
        evaluation = within(threads.submit(() -> dmarc.evaluate(from.get(), spfResult, spfDomain, dkimResults)), deadline,
            new Dmarc.Evaluation(Dmarc.Result.TEMPERROR, from.get(), Optional.empty(), late));
      } else {
        evaluation = new Dmarc.Evaluation(Dmarc.Result.PERMERROR, "", Optional.empty(), "not exactly one From address (RFC 5322 §3.6)");
      }
    } finally {
      threads.shutdownNow();
    }

    StringBuilder field = new StringBuilder("Authentication-Results: ").append(authservId);
    field.append(";\r\n\tspf=").append(spfVerdict.result().keyword()).append(" (").append(comment(spfVerdict.reason())).append(')')
        .append(mailFrom.isEmpty() ? " smtp.helo=" + helo : " smtp.mailfrom=" + mailFrom);
    if (signatures.isEmpty()) {
      field.append(";\r\n\tdkim=none");
    }
    for (DkimVerifier.Signature s : signatures) {
      field.append(";\r\n\tdkim=").append(s.result().keyword());
      if (s.result() != DkimVerifier.Result.PASS) {
        field.append(" (").append(comment(s.reason())).append(')');
      }
      if (!s.domain().isEmpty()) {
        field.append(" header.d=").append(s.domain()).append(" header.s=").append(s.selector()).append(" header.a=").append(s.algorithm());
      }
    }
    if (chain.result() != ArcVerifier.Result.NONE) {
      // RFC 8617 §10.1 registers "arc" for Authentication-Results; the comment says how far it went.
      field.append(";\r\n\tarc=").append(chain.result().keyword()).append(" (")
          .append(chain.result() == ArcVerifier.Result.PASS ? "i=" + chain.instances() : comment(chain.reason())).append(')');
    }
    field.append(";\r\n\tdmarc=").append(evaluation.result().keyword());
    evaluation.policy().ifPresent(p -> {
      field.append(" (p=").append(p.keyword());
      // "dis=" as the large receivers write it, when pct= sampling chose a milder disposition.
      evaluation.disposition().filter(d -> d != p).ifPresent(d -> field.append(" dis=").append(d.keyword()));
      field.append(')');
    });
    if (!evaluation.fromDomain().isEmpty()) {
      field.append(" header.from=").append(evaluation.fromDomain());
    }
    field.append("\r\n");
    return new Report(spfVerdict, signatures, evaluation, chain, field.toString());
  }

  /** The task's result, or {@code late} when it is not done by {@code deadline} (System.nanoTime). */
  private static <T> T within(Future<T> task, long deadline, T late) {
    try {
      return task.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      task.cancel(true);
      return late;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return late;
    } catch (ExecutionException e) {
      // A bug in a check must not cost the client its message: logged, reported as temperror.
      log.error("an inbound check failed", e.getCause());
      return late;
    }
  }

  /**
   * {@code message} without Authentication-Results fields that claim to be ours: RFC 8601 §5 has a
   * border MTA remove them, since only we may speak for {@link #authservId}.
   */
  public byte[] withoutForgedResults(byte[] message) {
    List<HeaderField> fields = HeaderField.parse(message);
    boolean isForged = fields.stream().anyMatch(this::isOurs);
    if (!isForged) {
      return message;
    }
    StringBuilder header = new StringBuilder();
    for (HeaderField field : fields) {
      if (!isOurs(field)) {
        header.append(field.raw());
      }
    }
    int bodyOffset = HeaderField.bodyOffset(message);
    byte[] kept = header.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] out = new byte[kept.length + message.length - bodyOffset];
    System.arraycopy(kept, 0, out, 0, kept.length);
    System.arraycopy(message, bodyOffset, out, kept.length, message.length - bodyOffset);
    return out;
  }

  private boolean isOurs(HeaderField field) {
    if (!field.key().equals("authentication-results")) {
      return false;
    }
    String value = field.raw().substring(field.raw().indexOf(':') + 1).replace("\r\n", "").strip();
    String id = value.split("[;\\s(]", 2)[0];
    return id.equalsIgnoreCase(authservId);
  }

  /** RFC 7489 §3.1: the domain of the single From address (RFC 5322 §3.6.2). */
  static Optional<String> fromDomain(byte[] message) {
    List<HeaderField> froms = HeaderField.parse(message).stream().filter(f -> f.key().equals("from")).toList();
    if (froms.size() != 1) {
      return Optional.empty();
    }
    String raw = froms.getFirst().raw();
    String value = new String(raw.substring(raw.indexOf(':') + 1).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    return FromField.mailboxes(value.replace("\r\n", ""))
        .filter(mailboxes -> mailboxes.size() == 1 && !mailboxes.getFirst().domain().isEmpty())
        .map(mailboxes -> mailboxes.getFirst().domainKey());
  }

  /** A reason as an RFC 8601 comment: no parentheses, backslashes or line breaks. */
  private static String comment(String reason) {
    return reason.replaceAll("[()\\\\\\r\\n]", " ").strip();
  }
}
