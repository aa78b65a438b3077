package dev.hikyaku.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.slf4j.LoggerFactory;

/**
 * Sets logback up once, before any test runs. SLF4J hands out stand-in loggers ({@code
 * SubstituteLogger}) to threads that ask while another thread is still initialising it; with
 * JUnit's parallel execution ({@code bin/test --fast}) a test that casts its logger to logback's to
 * capture lines then failed now and then. Registered in {@code
 * META-INF/services/org.junit.platform.launcher.LauncherSessionListener}.
 */
public final class LoggingFirst implements LauncherSessionListener {

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    LoggerFactory.getILoggerFactory();
  }
}
