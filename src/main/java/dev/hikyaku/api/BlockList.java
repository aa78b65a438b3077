package dev.hikyaku.api;

import java.time.Instant;
import java.util.List;

/**
 * The blocks the abuse defences put on networks and accounts ({@code hikyaku blocks}), as the
 * server's operators see and lift them over the API. The app backs it with {@code store.Defences};
 * a lift is recorded for the audit log, naming who lifted it.
 */
public interface BlockList {

  /** No blocks, none to lift. */
  BlockList NONE = new BlockList() {
    @Override
    public List<Entry> active() {
      return List.of();
    }

    @Override
    public boolean lift(String scope, String subject, String by) {
      return false;
    }
  };

  /**
   * The blocks in force now, newest first.
   *
   * @throws Unavailable if the store cannot answer now
   */
  List<Entry> active() throws Unavailable;

  /** Lifts the block of {@code subject} in {@code scope}; false when there was none. */
  boolean lift(String scope, String subject, String by) throws Unavailable;

  /**
   * One block.
   *
   * @param scope what is blocked: {@code ip}, {@code network}, {@code account}, ...
   */
  record Entry(String scope, String subject, Instant since, Instant until, String reason) {}
}
