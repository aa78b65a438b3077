package dev.hikyaku.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.api.EventFeed.EventView;
import dev.hikyaku.api.MessageReader.MessageView;
import dev.hikyaku.api.MessageReader.RecipientView;
import dev.hikyaku.api.SuppressionList.SuppressionView;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.store.ApiKey;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The read routes over real TLS with {@link HttpClient}, on fake seams: {@code GET /v1/messages}
 * (filters, keyset pages, {@code Link}), {@code GET /v1/events} (resumable, polling with the same
 * cursor), {@code GET|DELETE|PUT /v1/suppressions}, and every way a query can be refused (422
 * {@code invalid-parameter} naming the parameter) or a key lack the scope (403).
 */
class ApiReadRoutesTest {

  private static final String HOSTNAME = "localhost";
  private static final String ALICE = "alice@example.com";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");
  /** Token → scopes; every key acts for alice. */
  private static final Map<String, Set<ApiKey.Scope>> KEYS = Map.of(
      "reader", EnumSet.of(ApiKey.Scope.READ),
      "admin", EnumSet.of(ApiKey.Scope.ADMIN),
      "sender", EnumSet.of(ApiKey.Scope.SEND),
      "all", EnumSet.allOf(ApiKey.Scope.class));

  @TempDir Path dir;

  private TlsContexts tls;
  private ApiServer api;
  private HttpClient client;
  private final FakeMessages messages = new FakeMessages();
  private final FakeFeed feed = new FakeFeed();
  private final FakeSuppressions suppressions = new FakeSuppressions();

  @BeforeEach
  void start() throws Exception {
    tls = TlsContexts.selfSigned(HOSTNAME, dir.resolve("tls"), Duration.ZERO);
    ApiKeyCheck keys = (token, from) -> KEYS.containsKey(token)
        ? new ApiKeyCheck.Verdict.Valid(new ApiKeyCheck.Caller(token + "-key", ALICE, KEYS.get(token), java.util.List.of(), dev.hikyaku.store.ApiKey.Limits.NONE))
        : new ApiKeyCheck.Verdict.Invalid();
    api = ApiServer.start(InetAddress.getLoopbackAddress(), 0, Optional.of(tls),
        Backends.NONE.withKeys(keys).withMessages(messages).withEvents(feed).withSuppressions(suppressions));
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", tls.currentCertificate());
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    client = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
    tls.close();
  }

  /** Sends the request; every answer, whatever it is, must be one docs/openapi.yaml describes. */
  private HttpResponse<String> send(String method, String pathAndQuery, String key) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + HOSTNAME + ":" + api.port() + pathAndQuery))
        .method(method, HttpRequest.BodyPublishers.noBody())
        .header("Authorization", "Bearer " + key)
        .timeout(Duration.ofSeconds(10))
        .build();
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    OpenApiContract.get().assertAnswer(method, request.uri().getRawPath(), response.statusCode(),
        response.headers()::firstValue, response.body());
    return response;
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return send("GET", pathAndQuery, "reader");
  }

  private static JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.propertyNames()).containsExactly("data", "next_cursor");
    return body;
  }

  private static JsonNode problem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("type").asString()).isEqualTo("https://hikyaku.dev/problems/" + type);
    return body;
  }

  /** The target of {@code Link: <...>; rel="next"} (RFC 8288), if the response has one. */
  private static Optional<String> next(HttpResponse<String> response) {
    Optional<String> link = response.headers().firstValue("Link");
    if (link.isEmpty()) {
      return Optional.empty();
    }
    Matcher matcher = Pattern.compile("^<([^>]*)>; rel=\"next\"$").matcher(link.get());
    assertThat(matcher.matches()).as(link.get()).isTrue();
    return Optional.of(matcher.group(1));
  }

  private static List<String> ids(JsonNode body) {
    List<String> ids = new ArrayList<>();
    body.get("data").forEach(item -> ids.add(item.get("id").asString()));
    return ids;
  }

  // ---- GET /v1/messages --------------------------------------------------------------------------

  @Test
  void messagesComeNewestFirstPageByPageByCursorAndLink() throws Exception {
    for (int i = 0; i < 5; i++) {
      messages.add(message("A" + i, ALICE, T0.plusSeconds(i)));
    }
    messages.add(message("B0", "bob@example.com", T0.plusSeconds(10)));

    HttpResponse<String> first = get("/v1/messages?limit=2");
    JsonNode body = ok(first);
    assertThat(ids(body)).containsExactly("A4", "A3");
    String cursor = body.get("next_cursor").asString();
    assertThat(cursor).matches("[A-Za-z0-9_-]+");
    assertThat(next(first)).hasValue("/v1/messages?limit=2&cursor=" + cursor);
    assertThat(messages.searches.getLast().account()).contains(ALICE);
    assertThat(messages.searches.getLast().limit()).as("one more, to know whether there is a next page").isEqualTo(3);

    // A summary: the same object as GET /v1/messages/{id}, without the attempts.
    JsonNode item = body.get("data").get(0);
    assertThat(item.propertyNames()).containsExactly("id", "received_at", "sender", "listener", "headers", "tags", "metadata", "content_check", "recipients");
    assertThat(item.get("received_at").asString()).isEqualTo(T0.plusSeconds(4).toString());
    JsonNode recipient = item.get("recipients").get(0);
    assertThat(recipient.propertyNames()).containsExactly("recipient", "latest_outcome", "latest_attempt_at");
    assertThat(recipient.get("latest_outcome").asString()).isEqualTo("delivered");
    assertThat(recipient.get("latest_attempt_at").asString()).isEqualTo(T0.plusSeconds(64).toString());

    HttpResponse<String> second = get(next(first).orElseThrow());
    assertThat(ids(ok(second))).containsExactly("A2", "A1");
    HttpResponse<String> last = get(next(second).orElseThrow());
    JsonNode lastBody = ok(last);
    assertThat(ids(lastBody)).containsExactly("A0");
    assertThat(lastBody.get("next_cursor").isNull()).isTrue();
    assertThat(last.headers().firstValue("Link")).isEmpty();

    // Exactly a page left: the next page is asked for, and comes back empty.
    JsonNode exact = ok(get("/v1/messages?limit=5"));
    assertThat(ids(exact)).containsExactly("A4", "A3", "A2", "A1", "A0");
    assertThat(exact.get("next_cursor").isNull()).isTrue();
    assertThat(ids(ok(get("/v1/messages")))).hasSize(5);
    assertThat(messages.searches.getLast().limit()).as("50 by default").isEqualTo(51);
  }

  @Test
  void filtersReachTheSeamAndTheLinkKeepsThem() throws Exception {
    for (int i = 0; i < 3; i++) {
      messages.add(message("A" + i, ALICE, T0.plusSeconds(i)));
    }
    HttpResponse<String> response = get("/v1/messages?sender=News%40Example.com&recipient=carol%40example.net"
        + "&status=delivered&since=2026-12-01T17:00:00%2B09:00&until=2026-12-01t10:00:00z&limit=1");
    ok(response);
    MessageReader.Search search = messages.searches.getLast();
    assertThat(search.sender()).contains("News@Example.com");
    assertThat(search.recipient()).contains("carol@example.net");
    assertThat(search.status()).contains(MessageReader.Outcome.DELIVERED);
    assertThat(search.since()).contains(T0.minusSeconds(3600));
    assertThat(search.until()).contains(T0.plusSeconds(3600));
    assertThat(search.before()).isEmpty();
    assertThat(next(response)).hasValueSatisfying(link -> assertThat(link)
        .startsWith("/v1/messages?sender=News%40Example.com&recipient=carol%40example.net&status=delivered"
            + "&since=2026-12-01T17%3A00%3A00%2B09%3A00&until=2026-12-01t10%3A00%3A00z&limit=1&cursor="));

    get(next(response).orElseThrow());
    assertThat(messages.searches.getLast().before())
        .contains(new MessageReader.Position(T0.plusSeconds(2), "A2"));
    assertThat(messages.searches.getLast().sender()).contains("News@Example.com");
  }

  @Test
  void everyBadQueryIs422NamingTheParameter() throws Exception {
    String eventsCursor = ok(get("/v1/events")).get("next_cursor").asString();
    Map<String, String> cases = new TreeMap<>(Map.ofEntries(
        Map.entry("/v1/messages?colour=blue&sender=a%40b", "query parameter colour: not known here; /v1/messages takes"),
        Map.entry("/v1/messages?limit=0", "query parameter limit: must be a whole number from 1 to 100, was '0'"),
        Map.entry("/v1/messages?limit=101", "query parameter limit: must be a whole number from 1 to 100, was '101'"),
        Map.entry("/v1/messages?limit=ten", "query parameter limit: must be"),
        Map.entry("/v1/messages?limit=-1", "query parameter limit: must be"),
        Map.entry("/v1/messages?limit=1&limit=2", "query parameter limit: given 2 times"),
        Map.entry("/v1/messages?sender=", "query parameter sender: empty"),
        Map.entry("/v1/messages?since=yesterday", "query parameter since: not an RFC 3339 date-time"),
        Map.entry("/v1/messages?until=2026-12-01", "query parameter until: not an RFC 3339 date-time"),
        Map.entry("/v1/messages?since=2026-12-01T10:00:00Z&until=2026-12-01T09:00:00Z", "query parameter until: must be after since"),
        Map.entry("/v1/messages?status=bounced", "query parameter status: must be one of delivered, relayed, deferred, failed, expired, returned"),
        Map.entry("/v1/messages?cursor=not-a-cursor", "query parameter cursor: not a cursor this list handed out"),
        Map.entry("/v1/messages?cursor=" + eventsCursor, "query parameter cursor: not a cursor this list handed out"),
        Map.entry("/v1/messages?cursor=" + "A".repeat(2000), "query parameter cursor: not a cursor"),
        Map.entry("/v1/events?since=" + Cursor.encode("e1", List.of("x")), "query parameter since: not a cursor"),
        Map.entry("/v1/events?since=2026-12-01T09:00:00Z", "query parameter since: not a cursor"),
        Map.entry("/v1/events?types=message.opened", "query parameter types: must be one of message.accepted, message.delivered"),
        Map.entry("/v1/events?types=", "query parameter types: empty"),
        Map.entry("/v1/events?cursor=abc", "query parameter cursor: not known here; /v1/events takes types, limit, since"),
        Map.entry("/v1/suppressions?limit=1000", "query parameter limit: must be"),
        Map.entry("/v1/suppressions?cursor=" + eventsCursor, "query parameter cursor: not a cursor")));
    for (Map.Entry<String, String> c : cases.entrySet()) {
      JsonNode body = problem(get(c.getKey()), 422, "invalid-parameter");
      assertThat(body.get("title").asString()).isEqualTo("Invalid Parameter");
      assertThat(body.get("detail").asString()).as(c.getKey()).startsWith(c.getValue());
      assertThat(body.has("errors")).isFalse();
    }
    assertThat(messages.searches).as("no refused query reaches the store").isEmpty();
  }

  @Test
  void eachReadNeedsScopeReadAndEachChangeScopeAdmin() throws Exception {
    for (String path : List.of("/v1/messages", "/v1/events", "/v1/suppressions")) {
      for (String key : List.of("sender", "admin")) {
        HttpResponse<String> response = send("GET", path, key);
        problem(response, 403, "insufficient-scope");
        assertThat(response.headers().firstValue("WWW-Authenticate"))
            .hasValue("Bearer realm=\"hikyaku\", error=\"insufficient_scope\", scope=\"read\"");
      }
    }
    for (String method : List.of("DELETE", "PUT")) {
      HttpResponse<String> response = send(method, "/v1/suppressions/gone@x.example", "reader");
      problem(response, 403, "insufficient-scope");
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).endsWith("scope=\"admin\""));
    }
    HttpResponse<String> post = send("POST", "/v1/suppressions/gone@x.example", "all");
    problem(post, 405, "method-not-allowed");
    assertThat(post.headers().firstValue("Allow")).hasValue("DELETE, PUT");
    assertThat(send("POST", "/v1/events", "all").headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(suppressions.calls).isEmpty();
  }

  // ---- GET /v1/events ----------------------------------------------------------------------------

  @Test
  void eventsComeOldestFirstAndACursorResumesOrPollsInPlace() throws Exception {
    // Each type's facts as the app writes them (EventFeedSink), so the answers fit the contract.
    feed.add(new EventView(1, "message.accepted", T0, "Q1", Optional.empty(),
        "{\"sender\":\"a@example.com\",\"recipients\":[\"x@example.net\"],\"size\":12}"));
    feed.add(new EventView(2, "message.deferred", T0.plusSeconds(2), "Q1", Optional.of("x@example.net"),
        delivery(1, "4.2.0", "\"2026-12-01T09:05:00Z\"").replace("}", ",\"id\":\"spoof\"}")));
    feed.add(new EventView(5, "message.delivered", T0.plusSeconds(300), "Q1", Optional.of("x@example.net"),
        delivery(2, "2.0.0", "null")));

    JsonNode all = ok(get("/v1/events"));
    assertThat(all.get("data").size()).isEqualTo(3);
    JsonNode deferred = all.get("data").get(1);
    assertThat(deferred.propertyNames()).containsExactly(
        "id", "type", "at", "message_id", "recipient", "attempt", "status", "diagnostic", "remote_mta", "tls", "next_retry_at",
        "tags", "metadata");
    assertThat(deferred.get("id").asString()).isEqualTo("evt_2");
    assertThat(deferred.get("type").asString()).isEqualTo("message.deferred");
    assertThat(deferred.get("at").asString()).isEqualTo(T0.plusSeconds(2).toString());
    assertThat(deferred.get("message_id").asString()).isEqualTo("Q1");
    assertThat(deferred.get("recipient").asString()).isEqualTo("x@example.net");
    assertThat(deferred.get("status").asString()).isEqualTo("4.2.0");
    assertThat(all.get("data").get(0).get("recipient").isNull()).isTrue();
    assertThat(all.get("data").get(0).get("size").asInt()).isEqualTo(12);
    assertThat(feed.asked.getLast()).isEqualTo("alice@example.com after 0 types [] limit 50");

    // Nothing new: no events and the same cursor, to poll with.
    String cursor = all.get("next_cursor").asString();
    JsonNode none = ok(get("/v1/events?since=" + cursor));
    assertThat(none.get("data").size()).isZero();
    assertThat(none.get("next_cursor").asString()).isEqualTo(cursor);
    feed.add(new EventView(9, "message.bounced", T0.plusSeconds(400), "Q2", Optional.of("y@example.net"),
        delivery(1, "5.1.1", "null")));
    JsonNode later = ok(get("/v1/events?since=" + cursor));
    assertThat(ids(later)).containsExactly("evt_9");
    assertThat(feed.asked.getLast()).isEqualTo("alice@example.com after 5 types [] limit 50");

    // A full page links to the next; types narrow.
    HttpResponse<String> page = get("/v1/events?limit=2&types=message.delivered,message.deferred,message.bounced");
    assertThat(ids(ok(page))).containsExactly("evt_2", "evt_5");
    assertThat(feed.asked.getLast())
        .isEqualTo("alice@example.com after 0 types [MESSAGE_DELIVERED, MESSAGE_DEFERRED, MESSAGE_BOUNCED] limit 2");
    String link = next(page).orElseThrow();
    assertThat(link).startsWith("/v1/events?types=message.delivered%2Cmessage.deferred%2Cmessage.bounced&limit=2&since=");
    assertThat(ids(ok(get(link)))).containsExactly("evt_9");
    // Without any event at all, a cursor from the start.
    assertThat(ok(get("/v1/events?types=suppression.created")).get("next_cursor").isString()).isTrue();
  }

  // ---- /v1/suppressions --------------------------------------------------------------------------

  @Test
  void suppressionsArePagedAndChangedOneAddressAtATime() throws Exception {
    suppressions.add("a.example", "gone@x.example");
    suppressions.add("a.example", "left@x.example");
    suppressions.add("b.example", "gone@x.example");

    HttpResponse<String> first = get("/v1/suppressions?limit=2");
    JsonNode body = ok(first);
    assertThat(body.get("data").get(0).propertyNames()).containsExactly(
        "sender_domain", "recipient", "reason", "status", "diagnostic", "message_id", "created_at");
    assertThat(body.get("data").get(0).get("reason").asString()).isEqualTo("hard-bounce");
    assertThat(body.get("data").get(0).get("status").asString()).isEqualTo("5.1.1");
    HttpResponse<String> second = get(next(first).orElseThrow());
    assertThat(ok(second).get("data").size()).isEqualTo(1);
    assertThat(ok(second).get("data").get(0).get("sender_domain").asString()).isEqualTo("b.example");
    assertThat(suppressions.calls.getLast()).isEqualTo("page alice@example.com after a.example left@x.example limit 3");

    // The address is one segment, percent-decoded: %40 may stand for @, %2F must stand for /.
    HttpResponse<String> removed = send("DELETE", "/v1/suppressions/gone%40x.example", "admin");
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
    assertThat(removed.body()).isEmpty();
    assertThat(removed.headers().firstValue("Content-Type")).isEmpty();
    assertThat(suppressions.calls.getLast()).isEqualTo("remove alice@example.com gone@x.example by admin-key");
    problem(send("DELETE", "/v1/suppressions/gone@x.example", "admin"), 404, "not-found");
    send("DELETE", "/v1/suppressions/a%2Fb@x.example", "admin");
    assertThat(suppressions.calls.getLast()).isEqualTo("remove alice@example.com a/b@x.example by admin-key");
    JsonNode invalid = problem(send("DELETE", "/v1/suppressions/not-an-address", "admin"), 422, "invalid-parameter");
    assertThat(invalid.get("detail").asString()).isEqualTo("path parameter address: not an address: 'not-an-address'");
    problem(send("DELETE", "/v1/suppressions/gone@x.example?force=1", "admin"), 422, "invalid-parameter");
    // An escape that is not UTF-8 fits no route.
    problem(send("DELETE", "/v1/suppressions/%C3@x.example", "admin"), 404, "not-found");

    HttpResponse<String> added = send("PUT", "/v1/suppressions/new@x.example", "admin");
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    assertThat(JSON.readTree(added.body()).get("data").get(0).get("reason").asString()).isEqualTo("manual");
    HttpResponse<String> again = send("PUT", "/v1/suppressions/new@x.example", "admin");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(again.body()).get("data").size()).isEqualTo(1);
    suppressions.hasDomains = false;
    problem(send("PUT", "/v1/suppressions/other@x.example", "admin"), 409, "no-sending-domain");
  }

  @Test
  void cursorsRoundTripAndRefuseWhatTheyDidNotMake() {
    String cursor = Cursor.encode("s1", List.of("a.example", "\"odd local\"@x.example"));
    assertThat(cursor).matches("[A-Za-z0-9_-]+");
    assertThat(Cursor.decode("s1", 2, cursor)).contains(List.of("a.example", "\"odd local\"@x.example"));
    assertThat(Cursor.decode("m1", 2, cursor)).isEmpty();
    assertThat(Cursor.decode("s1", 1, cursor)).isEmpty();
    assertThat(Cursor.decode("s1", 2, "%%%")).isEmpty();
    assertThat(Cursor.decode("s1", 2, "")).isEmpty();
    assertThat(Cursor.decode("s1", 1, "_-8")).as("octets that are not UTF-8").isEmpty();
    assertThat(Route.percentDecoded("a%2Fb%40x.example")).contains("a/b@x.example");
    assertThat(Route.percentDecoded("caf%C3%A9+1")).contains("café+1");
    assertThat(Route.percentDecoded("bad%C3")).isEmpty();
    assertThat(Route.percentDecoded("bad%4")).isEmpty();
  }

  // ---- fakes ---------------------------------------------------------------------------------------

  /** The facts of a recipient's {@code message.*} event, as the app writes them. */
  private static String delivery(int attempt, String status, String nextRetryAt) {
    return "{\"attempt\":" + attempt + ",\"status\":\"" + status + "\",\"diagnostic\":\"smtp; " + status.charAt(0)
        + "50 " + status + " from the fake\",\"remote_mta\":\"mx.example.net[192.0.2.1]:25\",\"tls\":\"TLSv1.3\","
        + "\"next_retry_at\":" + nextRetryAt + "}";
  }

  private static MessageView message(String id, String account, Instant at) {
    return new MessageView(id, at, "news@example.com", "submission", Optional.of(account), Optional.of("<" + id + "@example.com>"),
        Optional.of("subject " + id), Optional.empty(),
        List.of(new RecipientView("carol@example.net", Optional.of("delivered"), Optional.of(at.plusSeconds(60)), List.of())),
        List.of(), Map.of());
  }

  /** Messages in memory, searched as the history would: by account, newest first, after a position. */
  private static final class FakeMessages implements MessageReader {
    private final List<MessageView> all = new CopyOnWriteArrayList<>();
    final List<Search> searches = new CopyOnWriteArrayList<>();

    void add(MessageView message) {
      all.add(message);
    }

    @Override
    public Optional<MessageView> message(String id) {
      return all.stream().filter(m -> m.id().equals(id)).findFirst();
    }

    @Override
    public List<MessageView> search(Search search) {
      searches.add(search);
      Comparator<MessageView> newestFirst =
          Comparator.comparing(MessageView::receivedAt).thenComparing(MessageView::id).reversed();
      return all.stream()
          .filter(m -> search.account().isEmpty() || m.principal().orElse("").equals(search.account().get()))
          .filter(m -> search.before().isEmpty() || newestFirst.compare(m, new MessageView(search.before().get().id(),
              search.before().get().receivedAt(), "", "", Optional.empty(), Optional.empty(), Optional.empty(),
              Optional.empty(), List.of(), List.of(), Map.of())) > 0)
          .sorted(newestFirst)
          .limit(search.limit())
          .toList();
    }
  }

  /** Events in memory, by seq. */
  private static final class FakeFeed implements EventFeed {
    private final List<EventView> all = new CopyOnWriteArrayList<>();
    final List<String> asked = new CopyOnWriteArrayList<>();

    void add(EventView event) {
      all.add(event);
    }

    @Override
    public List<EventView> after(String account, long afterSeq, Set<EventType> types, int limit) {
      asked.add(account + " after " + afterSeq + " types " + types + " limit " + limit);
      return all.stream()
          .filter(e -> e.seq() > afterSeq)
          .filter(e -> types.isEmpty() || types.stream().anyMatch(t -> t.typeName().equals(e.type())))
          .limit(limit)
          .toList();
    }
  }

  /** Entries in memory by domain and recipient; addresses "valid" when they hold an @. */
  private static final class FakeSuppressions implements SuppressionList {
    private final TreeMap<String, SuppressionView> entries = new TreeMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile boolean hasDomains = true;

    void add(String domain, String recipient) {
      entries.put(domain + " " + recipient, new SuppressionView(domain, recipient, "hard-bounce", Optional.of("5.1.1"),
          Optional.of("smtp; 550 5.1.1 no such user"), Optional.of("Q1"), T0));
    }

    @Override
    public synchronized List<SuppressionView> page(String account, Optional<Position> after, int limit) {
      calls.add("page " + account + after.map(p -> " after " + p.senderDomain() + " " + p.recipient()).orElse("")
          + " limit " + limit);
      return (after.isEmpty() ? entries : entries.tailMap(after.get().senderDomain() + " " + after.get().recipient(), false))
          .values().stream().limit(limit).toList();
    }

    @Override
    public synchronized Removal remove(String account, String address, String keyName) {
      calls.add("remove " + account + " " + address + " by " + keyName);
      if (!address.contains("@")) {
        return new InvalidAddress("not an address: '" + address + "'");
      }
      List<SuppressionView> removed = new ArrayList<>();
      entries.entrySet().removeIf(e -> e.getValue().recipient().equals(address) && removed.add(e.getValue()));
      return removed.isEmpty() ? new Removal.NotListed() : new Removal.Removed(removed);
    }

    @Override
    public synchronized Addition add(String account, String address, String keyName) {
      calls.add("add " + account + " " + address + " by " + keyName);
      if (!hasDomains) {
        return new Addition.NoSendingDomain();
      }
      String key = "a.example " + address;
      if (entries.containsKey(key)) {
        return new Addition.Listed(List.of(), List.of(entries.get(key)));
      }
      SuppressionView entry = new SuppressionView("a.example", address, "manual", Optional.empty(), Optional.empty(),
          Optional.empty(), T0);
      entries.put(key, entry);
      return new Addition.Listed(List.of(entry), List.of());
    }
  }
}
