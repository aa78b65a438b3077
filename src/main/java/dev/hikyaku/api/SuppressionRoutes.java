package dev.hikyaku.api;

import dev.hikyaku.api.SuppressionList.SuppressionView;
import dev.hikyaku.store.ApiKey;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The suppression list of the key's account's sending domains:
 *
 * <ul>
 *   <li>{@code GET /v1/suppressions} (scope {@code read}): by sending domain, then recipient, a page
 *       at a time ({@code limit}, {@code cursor}: the domain and recipient of the last entry shown);
 *   <li>{@code DELETE /v1/suppressions/{address}} (scope {@code admin}): the address off every list
 *       of the account's domains, 204; 404 when it was on none;
 *   <li>{@code PUT /v1/suppressions/{address}} (scope {@code admin}): the address onto each list
 *       where it is not yet, as a manual entry; 201 when one was added, 200 when all were there,
 *       with the entries for the address either way.
 * </ul>
 *
 * The address is one path segment, percent-decoded ({@code %40} for {@code @} is allowed, not
 * needed; {@code %2F} for a {@code /} in a local part is needed), and an RFC 5321 mailbox, else 422.
 * Changes reach the audit log as the CLI's do ({@code suppression remove}, {@code suppression add}).
 */
final class SuppressionRoutes {

  private static final Logger log = LoggerFactory.getLogger(SuppressionRoutes.class);

  static final String CURSOR = "cursor";
  private static final String CURSOR_KIND = "s1";
  private static final List<String> PARAMETERS = List.of(QueryParameters.LIMIT, CURSOR);
  private static final String ENTRY = "/v1/suppressions/{address}";

  private final SuppressionList suppressions;

  SuppressionRoutes(SuppressionList suppressions) {
    this.suppressions = suppressions;
  }

  List<Route> routes() {
    return List.of(
        new Route("GET", "/v1/suppressions", ApiKey.Scope.READ, this::list),
        new Route("DELETE", ENTRY, ApiKey.Scope.ADMIN, this::remove),
        new Route("PUT", ENTRY, ApiKey.Scope.ADMIN, this::add));
  }

  private Answer list(ApiRequest request) throws Refusal {
    QueryParameters query = QueryParameters.of(request, PARAMETERS);
    int limit = query.limit();
    Optional<SuppressionList.Position> after =
        query.cursor(CURSOR, CURSOR_KIND, 2).map(f -> new SuppressionList.Position(f.get(0), f.get(1)));
    List<SuppressionView> found;
    try {
      found = suppressions.page(request.caller().account(), after, limit + 1);
    } catch (Unavailable e) {
      log.warn("API: cannot list suppressions: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    return Page.answer(request, query, found, limit, SuppressionRoutes::json,
        last -> Cursor.encode(CURSOR_KIND, List.of(last.senderDomain(), last.recipient())), CURSOR);
  }

  private Answer remove(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    SuppressionList.Removal removal;
    try {
      removal = suppressions.remove(request.caller().account(), request.parameter("address"), request.caller().keyName());
    } catch (Unavailable e) {
      log.warn("API: cannot remove a suppression: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    return switch (removal) {
      case SuppressionList.Removal.Removed removed -> new Answer.NoContent();
      case SuppressionList.Removal.NotListed ignored -> new Answer.Failure(Problems.notFound(request.path()));
      case SuppressionList.InvalidAddress invalid -> new Answer.Failure(invalidAddress(invalid));
    };
  }

  private Answer add(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    SuppressionList.Addition addition;
    try {
      addition = suppressions.add(request.caller().account(), request.parameter("address"), request.caller().keyName());
    } catch (Unavailable e) {
      log.warn("API: cannot add a suppression: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    return switch (addition) {
      case SuppressionList.Addition.Listed listed -> {
        ArrayNode data = Page.data();
        listed.added().forEach(entry -> data.add(json(entry)));
        listed.kept().forEach(entry -> data.add(json(entry)));
        ObjectNode body = ApiRequest.JSON.createObjectNode();
        body.set("data", data);
        yield new Answer.Json(listed.added().isEmpty() ? 200 : 201, ApiRequest.JSON.writeValueAsString(body));
      }
      case SuppressionList.Addition.NoSendingDomain ignored ->
          new Answer.Failure(Problems.noSendingDomain(request.caller().account()));
      case SuppressionList.InvalidAddress invalid -> new Answer.Failure(invalidAddress(invalid));
    };
  }

  private static Problem invalidAddress(SuppressionList.InvalidAddress invalid) {
    return Problems.invalidParameter("path parameter address", invalid.detail());
  }

  private static ObjectNode json(SuppressionView entry) {
    ObjectNode node = ApiRequest.JSON.createObjectNode();
    node.put("sender_domain", entry.senderDomain());
    node.put("recipient", entry.recipient());
    node.put("reason", entry.reason());
    MessageJson.put(node, "status", entry.status());
    MessageJson.put(node, "diagnostic", entry.diagnostic());
    MessageJson.put(node, "message_id", entry.messageId());
    node.put("created_at", entry.createdAt().toString());
    return node;
  }
}
