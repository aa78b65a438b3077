package dev.hikyaku.net;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Log events of one logger during a test, as text: the formatted message and any stack trace. */
final class CapturedLogs implements AutoCloseable {

  /** One captured event. */
  record Line(Level level, String message, String throwable) {
    /** Everything a log sink would receive for this event. */
    String fullText() {
      return message + "\n" + throwable;
    }
  }

  private final Logger logger;
  private final Level levelBefore;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private CapturedLogs(Class<?> source, Level level, Optional<Thread> only) {
    this.logger = (Logger) LoggerFactory.getLogger(source);
    this.levelBefore = logger.getLevel();
    if (level != null) {
      logger.setLevel(level);
    }
    // The watcher thread logs while the test thread reads.
    appender.list = new CopyOnWriteArrayList<>();
    // Decided as the event is logged, on the logging thread itself: the thread, not its name (a
    // pool's worker names are reused).
    only.ifPresent(thread -> appender.addFilter(new Filter<>() {
      @Override
      public FilterReply decide(ILoggingEvent event) {
        return Thread.currentThread() == thread ? FilterReply.NEUTRAL : FilterReply.DENY;
      }
    }));
    appender.start();
    logger.addAppender(appender);
  }

  static CapturedLogs of(Class<?> source) {
    return new CapturedLogs(source, null, Optional.empty());
  }

  /** Also the events below the tests' configured level (WARN), down to {@code level}, until closed. */
  static CapturedLogs of(Class<?> source, Level level) {
    return new CapturedLogs(source, level, Optional.empty());
  }

  /**
   * As {@link #of(Class, Level)} ({@code null}: the configured level), but only what the calling
   * thread logs: a logger every server writes to (TlsContexts) can then be read while other tests'
   * servers run beside this one (bin/test --fast runs classes concurrently). For what the code under
   * test logs on the test's own thread; tests that change levels still share {@code
   * TestServers.CAPTURED_LOGS}.
   */
  static CapturedLogs ofThisThread(Class<?> source, Level level) {
    return new CapturedLogs(source, level, Optional.of(Thread.currentThread()));
  }

  List<Line> lines() {
    List<Line> lines = new ArrayList<>();
    for (ILoggingEvent event : List.copyOf(appender.list)) {
      lines.add(new Line(event.getLevel(), event.getFormattedMessage(), throwableText(event)));
    }
    return lines;
  }

  List<Line> at(Level level) {
    return lines().stream().filter(line -> line.level().equals(level)).toList();
  }

  private static String throwableText(ILoggingEvent event) {
    var text = new StringBuilder();
    for (IThrowableProxy proxy = event.getThrowableProxy(); proxy != null; proxy = proxy.getCause()) {
      text.append(proxy.getClassName()).append(": ").append(proxy.getMessage()).append('\n');
    }
    return text.toString();
  }

  @Override
  public void close() {
    logger.setLevel(levelBefore);
    logger.detachAppender(appender);
    appender.stop();
  }
}
