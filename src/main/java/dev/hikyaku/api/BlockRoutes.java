package dev.hikyaku.api;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The defences' blocks, for the server's operators (scope {@code admin}), as {@code hikyaku blocks}:
 *
 * <ul>
 *   <li>{@code GET /v1/blocks}: the blocks in force;
 *   <li>{@code DELETE /v1/blocks/{scope}/{subject}}: one lifted, 204; 404 when there was none. A
 *       network's {@code /} is sent as {@code %2F} ({@code /v1/blocks/network/192.0.2.0%2F24}).
 * </ul>
 */
final class BlockRoutes {

  private static final Logger log = LoggerFactory.getLogger(BlockRoutes.class);

  private final BlockList blocks;

  BlockRoutes(BlockList blocks) {
    this.blocks = blocks;
  }

  List<Route> routes() {
    return List.of(
        QueueRoutes.operator("GET", "/v1/blocks", this::list),
        QueueRoutes.operator("DELETE", "/v1/blocks/{scope}/{subject}", this::lift));
  }

  private Answer list(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    List<BlockList.Entry> active;
    try {
      active = blocks.active();
    } catch (Unavailable e) {
      log.warn("API: cannot list the blocks: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    ArrayNode data = Page.data();
    for (BlockList.Entry block : active) {
      ObjectNode node = data.addObject();
      node.put("scope", block.scope());
      node.put("subject", block.subject());
      node.put("since", block.since().toString());
      node.put("until", block.until().toString());
      node.put("reason", block.reason());
    }
    return Page.whole(data);
  }

  private Answer lift(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    try {
      return blocks.lift(request.parameter("scope"), request.parameter("subject"), QueueRoutes.by(request))
          ? new Answer.NoContent()
          : new Answer.Failure(Problems.notFound(request.path()));
    } catch (Unavailable e) {
      log.warn("API: cannot lift a block: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
  }
}
