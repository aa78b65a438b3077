package dev.hikyaku.api;

import java.util.Objects;

/**
 * What the API stands on, each a seam the app backs with the store, policy and intake: who a key
 * speaks for, the message history, the accounts' event feeds, the suppression list and the way
 * messages are sent, the webhook endpoints, where TLS reports about our domains are kept, and for the server's operators the queue, the blocks, every account's keys, the traffic, the accounts and the domains. {@link #NONE} answers every request as an API without a store would (no key
 * valid, no message, no event, no suppression, nothing queued); tests and the app replace the parts
 * they have with the {@code with} methods.
 */
public record Backends(
    ApiKeyCheck keys, MessageReader messages, EventFeed events, SuppressionList suppressions, Submissions submissions,
    WebhookEndpoints webhooks, TlsReportInbox tlsReports, QueueControl queue, BlockList blocks, KeyRing keyRing,
    Statistics statistics, AccountDirectory accounts, DomainDesk domains) {

  /** No key is valid, there are no messages, events, suppressions or webhooks, and nothing can be sent. */
  public static final Backends NONE = new Backends(
      ApiKeyCheck.NONE_VALID, MessageReader.NONE, EventFeed.NONE, SuppressionList.NONE, Submissions.NONE, WebhookEndpoints.NONE,
      TlsReportInbox.NONE, QueueControl.NONE, BlockList.NONE, KeyRing.NONE, Statistics.NONE, AccountDirectory.NONE,
      DomainDesk.NONE);

  public Backends {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(messages, "messages");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(suppressions, "suppressions");
    Objects.requireNonNull(submissions, "submissions");
    Objects.requireNonNull(webhooks, "webhooks");
    Objects.requireNonNull(tlsReports, "tlsReports");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(blocks, "blocks");
    Objects.requireNonNull(keyRing, "keyRing");
    Objects.requireNonNull(statistics, "statistics");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(domains, "domains");
  }

  public Backends withKeys(ApiKeyCheck keys) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withMessages(MessageReader messages) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withEvents(EventFeed events) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withSuppressions(SuppressionList suppressions) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withSubmissions(Submissions submissions) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withTlsReports(TlsReportInbox tlsReports) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withWebhooks(WebhookEndpoints webhooks) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }
  public Backends withQueue(QueueControl queue) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withBlocks(BlockList blocks) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withKeyRing(KeyRing keyRing) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withStatistics(Statistics statistics) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withAccounts(AccountDirectory accounts) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }

  public Backends withDomains(DomainDesk domains) {
    return new Backends(keys, messages, events, suppressions, submissions, webhooks, tlsReports, queue, blocks, keyRing, statistics, accounts, domains);
  }
}
