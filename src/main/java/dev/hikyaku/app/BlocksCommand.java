package dev.hikyaku.app;

import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.Block;
import dev.hikyaku.store.Defences;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hikyaku blocks}: the abuse defence's blocks, and lifting one early. */
@Command(
    name = "blocks",
    description = "Blocks of client addresses, networks and accounts-from-networks after failed logins.",
    subcommands = {BlocksCommand.ListBlocks.class, BlocksCommand.Remove.class})
final class BlocksCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "list", description = "List the blocks in force, soonest to end first.")
  static final class ListBlocks extends AccountCommands.StoreCommand {
    @Option(names = "--json", description = "One JSON array of the blocks, for scripts.") boolean isJson;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      List<Block> blocks = store.defences().activeBlocks(Instant.now());
      if (isJson) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Block b : blocks) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("scope", b.scope());
          row.put("subject", b.subject());
          row.put("until", b.until());
          row.put("reason", b.reason());
          rows.add(row);
        }
        CliJson.print(out, rows);
        return;
      }
      out.printf("%-20s  %-50s  %-20s  %s%n", "SCOPE", "SUBJECT", "UNTIL", "REASON");
      for (Block b : blocks) {
        out.printf("%-20s  %-50s  %-20s  %s%n", b.scope(), b.subject(), AccountCommands.time(b.until()), b.reason());
      }
      out.printf("%d block(s)%n", blocks.size());
    }
  }

  @Command(
      name = "remove",
      description = "Lift a block now (a running server notices within seconds). SUBJECT as listed, e.g. 192.0.2.7 or \"alice@example.com from 192.0.2.0/24\".")
  static final class Remove extends AccountCommands.StoreCommand {
    @Parameters(index = "0", paramLabel = "SCOPE", description = "ip, net24, net64, account-from-source or account") String scope;
    @Parameters(index = "1", paramLabel = "SUBJECT") String subject;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      Defences defences = store.defences();
      if (!defences.unblock(scope, subject)) {
        throw new Main.UserError("no block " + scope + " " + subject + " (see: hikyaku blocks list)");
      }
      changed("blocks remove", scope + " " + subject, "");
      out.println("block " + scope + " " + subject + " removed");
    }
  }
}
