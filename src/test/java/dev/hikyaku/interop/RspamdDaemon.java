package dev.hikyaku.interop;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * Debian's rspamd 3.4, started for one test on 127.0.0.1 with a minimal configuration of our own:
 * one normal worker (the HTTP protocol, {@code /checkv2}), no controller, proxy or fuzzy worker, no
 * Redis, no module that looks anything up: its DNS resolver points at a port nothing answers (the
 * discard port), so no query leaves the machine. GTUBE is recognised in every message ({@code
 * gtube_patterns = "all"}, reject); the actions' thresholds are rspamd's usual ones.
 */
final class RspamdDaemon implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path directory;

  private RspamdDaemon(Process process, int port, Path directory) {
    this.process = process;
    this.port = port;
    this.directory = directory;
  }

  static RspamdDaemon start(Path directory) throws Exception {
    ExternalTool rspamd = ExternalTool.require("rspamd", "rspamd");
    int port = ServerProcess.freePort();
    for (String sub : new String[] {"db", "run", "log"}) {
      Path made = Files.createDirectories(directory.resolve(sub));
      // Run as root (CI), rspamd drops to nobody: its directories must be writable by that user.
      Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    Path config = Files.writeString(directory.resolve("rspamd.conf"), """
        options {
          pidfile = "%1$s/run/rspamd.pid";
          dns { nameserver = ["127.0.0.1:9"]; timeout = 0.1s; retransmits = 0; }
          gtube_patterns = "all";
        }
        logging { type = "file"; filename = "%1$s/log/rspamd.log"; level = "info"; }
        actions { reject = 15; "add header" = 6; greylist = 4; }
        worker "normal" { bind_socket = "127.0.0.1:%2$d"; count = 1; }
        """.formatted(directory, port));
    boolean isRoot = "root".equals(System.getProperty("user.name"));
    ProcessBuilder builder = isRoot
        ? new ProcessBuilder(rspamd.executable().toString(), "-f", "-i", "-c", config.toString(), "-u", "nobody", "-g", "nogroup")
        : new ProcessBuilder(rspamd.executable().toString(), "-f", "-i", "-c", config.toString());
    builder.redirectErrorStream(true).redirectOutput(directory.resolve("stdout.log").toFile());
    Process process = builder.start();
    RspamdDaemon daemon = new RspamdDaemon(process, port, directory);
    Daemons.awaitListening("rspamd", process, port, Duration.ofSeconds(30), daemon::log);
    return daemon;
  }

  /** Its normal worker, as {@code content-checks.rspamd} names it. */
  URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  String log() {
    try {
      Path log = directory.resolve("log").resolve("rspamd.log");
      String text = Files.exists(log) ? Files.readString(log) : Files.readString(directory.resolve("stdout.log"));
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops it (SIGTERM, then SIGKILL after 10 s); the port is refused from then on. */
  @Override
  public void close() throws InterruptedException {
    Daemons.stop(process);
  }
}
