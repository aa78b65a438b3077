package dev.hikyaku.console;

import java.util.List;

/** What the blocks page shows (blocks.jte): the blocks in force, each with a form to lift it. */
public record BlocksPage(String account, String csrf, String notice, List<Row> blocks) {

  public BlocksPage {
    blocks = List.copyOf(blocks);
  }

  public record Row(String scope, String subject, String until, String reason) {}
}
