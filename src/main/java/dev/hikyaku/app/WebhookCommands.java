package dev.hikyaku.app;

import static dev.hikyaku.app.AccountCommands.time;
import static dev.hikyaku.app.TerminalText.visible;

import dev.hikyaku.api.EventType;
import dev.hikyaku.api.WebhookEndpoints;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.Account;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import dev.hikyaku.store.WebhookDeliveries;
import dev.hikyaku.store.WebhookDelivery;
import dev.hikyaku.store.WebhookEndpoint;
import dev.hikyaku.webhooks.Dispatcher;
import dev.hikyaku.webhooks.Signature;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hikyaku webhook add|list|change|enable|remove|test|replay}: an account's webhook endpoints, as the API's
 * {@code /v1/webhooks} keeps them (the same store, the same checks, the same audit lines). The
 * signing secret is made here and printed once by {@code add}; it is never taken on the command
 * line. Only here may an endpoint be allowed private targets without {@code
 * api.webhook-private-targets}: the operator decides. {@code test} sends its ping from this
 * process; a {@code replay} is queued in the store, and the running server sends it at its next poll
 * (within seconds).
 */
final class WebhookCommands {

  private WebhookCommands() {}

  @Command(
      name = "webhook",
      description = "Webhook endpoints: the events of an account's messages POSTed to a URL, signed (Standard Webhooks); "
          + "the secret shown once.",
      subcommands = {Add.class, ListEndpoints.class, Change.class, Enable.class, Remove.class, Test.class, Replay.class})
  static final class Webhook implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Add an endpoint for ACCOUNT's events; its signing secret is printed once and never again.")
  static final class Add extends AccountCommands.StoreCommand {
    @Parameters(index = "0", paramLabel = "ACCOUNT", description = "The account whose events it receives (its address).")
    String account;

    @Parameters(index = "1", paramLabel = "URL", description = "https://... (http:// only with --allow-private).")
    String url;

    // Checked in run, not by picocli: a missing option must still be a one-line refusal.
    @Option(names = "--event", split = ",", paramLabel = "TYPE",
        description = "Required: event types (message.accepted, message.delivered, ...); comma-separated or repeated.")
    List<String> types = List.of();

    @Option(names = "--sending-domain", paramLabel = "DOMAIN", description = "Only events of messages sent from DOMAIN.")
    String sendingDomain;

    @Option(names = "--api-key", paramLabel = "NAME", description = "Only events of messages sent with the account's API key NAME.")
    String apiKey;

    @Option(names = "--allow-private",
        description = "Allow loopback, private and link-local addresses and http:// (an internal receiver).")
    boolean isPrivateAllowed;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = AccountCommands.address(account);
      if (accounts.find(login).isEmpty()) {
        throw new Main.UserError("account " + login + " not found");
      }
      if (types.isEmpty()) {
        throw new Main.UserError("--event is required: one or more of " + String.join(", ", knownTypes()));
      }
      List<String> wanted = eventTypes(types);
      checkUrl(url, isPrivateAllowed);
      Optional<String> domain = sendingDomain(sendingDomain);
      Optional<String> key = apiKey(store, login, apiKey);
      SecureRandom random = new SecureRandom();
      WebhookEndpoint endpoint = ApiWebhooks.newEndpoint(login, url, wanted, domain, key, isPrivateAllowed,
          Instant.now(), random);
      String secret = Signature.newSecret(random);
      try {
        store.webhooks().add(endpoint, secret);
      } catch (StoreException e) {
        throw new Main.UserError(e.getMessage());
      }
      changed("webhook add", login, ApiWebhooks.describe(endpoint));
      out.println("webhook " + endpoint.id() + " for " + login + " added; its signing secret (shown once; store it in the receiver now):");
      out.println(secret);
    }
  }

  /** A command about one endpoint, named by its id; a one-line refusal when there is none such. */
  abstract static class EndpointCommand extends AccountCommands.StoreCommand {
    @Parameters(index = "0", paramLabel = "ID") String id;

    @Override
    final void run(Accounts accounts, PrintWriter out) throws Exception {
      run(store.webhooks().find(id).orElseThrow(() -> new Main.UserError("no webhook " + visible(id))), out);
    }

    abstract void run(WebhookEndpoint endpoint, PrintWriter out) throws Exception;
  }

  @Command(name = "change", description = "Change an endpoint's URL, event types or filters; what is not given stays.")
  static final class Change extends EndpointCommand {

    @Option(names = "--url", paramLabel = "URL", description = "https://... (http:// only with private targets allowed).")
    String url;

    @Option(names = "--event", split = ",", paramLabel = "TYPE", description = "The event types, all of them; comma-separated or repeated.")
    List<String> types = List.of();

    @Option(names = "--sending-domain", paramLabel = "DOMAIN", description = "Only events of messages sent from DOMAIN.")
    String sendingDomain;

    @Option(names = "--no-sending-domain", description = "Events of messages from any sending domain.")
    boolean isAnySendingDomain;

    @Option(names = "--api-key", paramLabel = "NAME", description = "Only events of messages sent with the account's API key NAME.")
    String apiKey;

    @Option(names = "--no-api-key", description = "Events of messages sent with any API key, or none.")
    boolean isAnyApiKey;

    @Option(names = "--allow-private", negatable = true,
        description = "Allow (or, negated, refuse) loopback, private and link-local addresses and http://.")
    Boolean isPrivateAllowed;

    @Override
    void run(WebhookEndpoint current, PrintWriter out) throws Exception {
      if ((sendingDomain != null && isAnySendingDomain) || (apiKey != null && isAnyApiKey)) {
        throw new Main.UserError("--sending-domain and --no-sending-domain, or --api-key and --no-api-key, exclude each other");
      }
      if (url == null && types.isEmpty() && sendingDomain == null && !isAnySendingDomain && apiKey == null && !isAnyApiKey
          && isPrivateAllowed == null) {
        throw new Main.UserError("nothing to change: give --url, --event, --[no-]sending-domain, --[no-]api-key or --[no-]allow-private");
      }
      String newUrl = url == null ? current.url() : url.strip();
      boolean isPrivate = isPrivateAllowed == null ? current.isPrivateAllowed() : isPrivateAllowed;
      checkUrl(newUrl, isPrivate);
      Optional<String> domain = isAnySendingDomain ? Optional.empty()
          : sendingDomain == null ? current.sendingDomain() : sendingDomain(sendingDomain);
      Optional<String> key = isAnyApiKey ? Optional.empty()
          : apiKey == null ? current.apiKey() : apiKey(store, current.account(), apiKey);
      WebhookEndpoint changed = store.webhooks().change(current.changedTo(newUrl,
          types.isEmpty() ? current.eventTypes() : eventTypes(types), domain, key, isPrivate));
      changed("webhook change", changed.account(), ApiWebhooks.describe(changed));
      out.println("webhook " + changed.id() + " of " + changed.account() + " changed: " + visible(ApiWebhooks.describe(changed)));
    }
  }

  @Command(name = "enable", description = "Enable an endpoint disabled after 410 Gone or a run of failures; it gets the events from now on.")
  static final class Enable extends EndpointCommand {

    @Override
    void run(WebhookEndpoint endpoint, PrintWriter out) throws Exception {
      if (!store.webhooks().enable(id)) {
        out.println("webhook " + endpoint.id() + " of " + endpoint.account() + " is enabled already");
        return;
      }
      changed("webhook enable", endpoint.account(), ApiWebhooks.describeEnabled(endpoint));
      Instant since = endpoint.disabledAt().orElseThrow();
      out.println("webhook " + endpoint.id() + " of " + endpoint.account() + " enabled; the running server sends it the events"
          + " from now on.");
      out.println("The events of the time it was disabled, and the deliveries that failed with it, are not sent by themselves:"
          + " hikyaku webhook replay " + endpoint.id() + " --since " + time(since) + " sends the former; start earlier (its"
          + " retries lasted up to three days) for the latter. Receivers drop the ids they have.");
    }
  }

  @Command(name = "list", description = "List webhook endpoints, all or one account's (never their secrets).")
  static final class ListEndpoints extends AccountCommands.StoreCommand {
    @Parameters(paramLabel = "ACCOUNT", arity = "0..1") String account;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      Optional<String> login = account == null ? Optional.empty() : Optional.of(AccountCommands.address(account));
      out.printf("%-19s  %-28s  %-20s  %-8s  %s%n", "ID", "ACCOUNT", "CREATED", "STATE", "URL");
      for (WebhookEndpoint e : store.webhooks().list(login)) {
        // An enabled endpoint of a disabled (or missing) account is held: nothing goes out until the account is enabled.
        Optional<Account> owner = accounts.find(e.account());
        boolean isHeld = e.isEnabled() && owner.map(Account::isDisabled).orElse(true);
        out.printf("%-19s  %-28s  %-20s  %-8s  %s%n", e.id(), visible(e.account()), time(e.createdAt()),
            !e.isEnabled() ? "disabled" : isHeld ? "held" : "enabled", visible(e.url()));
        if (isHeld) {
          out.println("  held:    " + (owner.isPresent() ? "the account is disabled; its events go out when it is enabled"
              : "the account is gone; nothing is sent (hikyaku webhook remove " + e.id() + ")"));
        }
        out.println("  events:  " + String.join(",", e.eventTypes()));
        List<String> filters = new ArrayList<>();
        e.sendingDomain().ifPresent(d -> filters.add("sending-domain=" + d));
        e.apiKey().ifPresent(k -> filters.add("api-key=" + k));
        if (e.isPrivateAllowed()) {
          filters.add("allow-private");
        }
        if (!filters.isEmpty()) {
          out.println("  only:    " + visible(String.join(" ", filters)));
        }
        e.disabledAt().ifPresent(at -> out.println("  disabled " + time(at) + ": " + visible(e.disabledReason().orElse(""))));
      }
    }
  }

  @Command(name = "remove", description = "Remove a webhook endpoint and its delivery log.")
  static final class Remove extends AccountCommands.StoreCommand {
    @Parameters(paramLabel = "ID") String id;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      WebhookEndpoint removed = store.webhooks().remove(id);
      changed("webhook remove", removed.account(), ApiWebhooks.describe(removed));
      out.println("webhook " + removed.id() + " of " + removed.account() + " removed");
    }
  }

  @Command(name = "test", description = "Send a webhook.test ping to the endpoint now, from here, and show what came back.")
  static final class Test extends EndpointCommand {

    @Override
    void run(WebhookEndpoint endpoint, PrintWriter out) throws Exception {
      Dispatcher dispatcher = HttpWiring.webhookDispatcher(store, new Events(List.of()), Clock.systemUTC(), new SecureRandom(),
          Optional.empty(), effective.api().webhookConcurrency());
      WebhookDelivery ping;
      try (dispatcher) {
        ping = dispatcher.test(endpoint, store.webhooks().secrets(id));
      }
      out.println("ping to " + visible(endpoint.url()) + ": " + ping.status()
          + ping.responseStatus().stream().mapToObj(s -> ", HTTP " + s).findFirst().orElse("")
          + ping.latencyMillis().stream().mapToObj(ms -> ", " + ms + " ms").findFirst().orElse(""));
      ping.error().ifPresent(error -> out.println("  " + visible(error)));
      ping.response().filter(r -> !r.isEmpty()).ifPresent(r -> out.println("  answered: " + visible(r)));
    }
  }

  @Command(name = "replay", description = "Send the endpoint the events of a time range again, with their ids (the running server sends them).")
  static final class Replay extends EndpointCommand {

    // Checked in run, not by picocli: a missing option must still be a one-line refusal.
    @Option(names = "--since", paramLabel = "TIME", description = "Required: RFC 3339, e.g. 2026-12-01T09:00:00Z.")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "RFC 3339, exclusive; now when left out.")
    String until;

    @Override
    void run(WebhookEndpoint endpoint, PrintWriter out) throws Exception {
      if (!endpoint.isEnabled()) {
        throw new Main.UserError("webhook " + id + " is disabled (" + visible(endpoint.disabledReason().orElse(""))
            + "); hikyaku webhook enable " + id + " first");
      }
      if (since == null) {
        throw new Main.UserError("--since is required: an RFC 3339 time such as 2026-12-01T09:00:00Z");
      }
      Instant now = Instant.now();
      Instant from = instant("--since", since);
      Instant to = until == null ? now : instant("--until", until);
      if (!from.isBefore(to)) {
        throw new Main.UserError("--since must be before --until");
      }
      WebhookDeliveries.Replayed replayed = store.webhookDeliveries().replay(id, from, to, now, WebhookEndpoints.MAX_REPLAY);
      changed("webhook replay", endpoint.account(), id + " " + from + ".." + to + " queued=" + replayed.queued());
      out.println(replayed.queued() + " event(s) queued for webhook " + id
          + (replayed.isCut() ? " (the range holds more; replay from the last one's time on)" : ""));
    }
  }

  private static List<String> knownTypes() {
    return Arrays.stream(EventType.values()).map(EventType::typeName).toList();
  }

  /** {@code types} as given (stripped, repeats dropped), each a known event type. */
  private static List<String> eventTypes(List<String> types) throws Main.UserError {
    List<String> known = knownTypes();
    Set<String> wanted = new LinkedHashSet<>();
    for (String type : types) {
      String name = type.strip();
      if (!known.contains(name)) {
        throw new Main.UserError("not an event type: '" + visible(name) + "' (expected one of " + String.join(", ", known) + ")");
      }
      wanted.add(name);
    }
    return List.copyOf(wanted);
  }

  private static void checkUrl(String url, boolean isPrivateAllowed) throws Main.UserError {
    Optional<String> problem = ApiWebhooks.urlProblem(url, isPrivateAllowed);
    if (problem.isPresent()) {
      throw new Main.UserError("URL '" + visible(url) + "' " + problem.get());
    }
  }

  /** {@code --sending-domain}'s value, lower-case; empty when not given. */
  private static Optional<String> sendingDomain(String given) throws Main.UserError {
    Optional<String> domain = Optional.ofNullable(given).map(d -> d.strip().toLowerCase(Locale.ROOT));
    if (domain.isPresent() && !domain.get().matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+")) {
      throw new Main.UserError("not a domain name: '" + visible(given) + "'");
    }
    return domain;
  }

  /** {@code --api-key}'s value, a key of {@code login}'s; empty when not given. */
  private static Optional<String> apiKey(Store store, String login, String given) throws Exception {
    Optional<String> key = Optional.ofNullable(given).map(String::strip);
    if (key.isPresent() && store.apiKeys().list(Optional.of(login)).stream().noneMatch(k -> k.name().equals(key.get()))) {
      throw new Main.UserError(login + " has no API key '" + visible(key.get()) + "'");
    }
    return key;
  }

  private static Instant instant(String option, String text) throws Main.UserError {
    try {
      return OffsetDateTime.parse(text.strip().toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw new Main.UserError(option + " takes an RFC 3339 time such as 2026-12-01T09:00:00Z, was '" + visible(text) + "'");
    }
  }
}
