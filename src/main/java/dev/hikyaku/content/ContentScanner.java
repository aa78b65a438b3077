package dev.hikyaku.content;

import java.util.List;

/** A content filter: the verdict on one message, within the scanner's own time budget. Never throws. */
@FunctionalInterface
public interface ContentScanner {

  /** No filter: every message passes, unscored. */
  ContentScanner NONE = request -> new ScanVerdict.Pass(new ScanVerdict.Score(0, 0, List.of()));

  ScanVerdict scan(ScanRequest request);
}
