package dev.hikyaku.app;

import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.Nodes;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hikyaku cluster}: the nodes sharing the store, as the store sees them. */
@Command(
    name = "cluster",
    description = "The nodes that share the store (store.url): who is alive, and who holds which deliveries.",
    subcommands = {ClusterCommand.Status.class})
final class ClusterCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "status",
      description = "Each node that has joined: its address, when it started, when it was last seen (a node beats every"
          + " third of store.lease; one not seen for two leases is gone, and its deliveries are free once their leases"
          + " lapse), and the deliveries it holds; then the queue by holder.")
  static final class Status extends AccountCommands.StoreCommand {
    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      Duration lease = effective.store().lease();
      Nodes.Listing listing = store.nodes().list(Instant.now());
      Map<String, Long> held = store.queue().leases().held(Instant.now());
      out.printf("%-24s  %-7s  %-24s  %-20s  %8s  %s%n", "NODE", "STATE", "ADDRESS", "STARTED", "SEEN", "DELIVERIES HELD");
      for (Nodes.Node node : listing.nodes()) {
        Duration since = Duration.between(node.seenAt(), listing.at());
        boolean isAlive = since.compareTo(lease.multipliedBy(2)) < 0;
        out.printf("%-24s  %-7s  %-24s  %-20s  %7ds  %d%n", node.id(), isAlive ? "alive" : "gone", node.address(),
            AccountCommands.time(node.startedAt()), Math.max(0, since.toSeconds()), held.getOrDefault(node.id(), 0L));
      }
      long queued = store.queue().count();
      long heldInAll = held.values().stream().mapToLong(Long::longValue).sum();
      out.printf("%d node(s); %d message(s) queued: %d held by a node, %d free for any node%n",
          listing.nodes().size(), queued, heldInAll, Math.max(0, queued - heldInAll));
    }
  }
}
