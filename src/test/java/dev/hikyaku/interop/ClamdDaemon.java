package dev.hikyaku.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Debian's clamd (clamav-daemon), started for one test on 127.0.0.1 with a signature database of
 * one entry: the EICAR test file by its MD5 and size (an {@code .hdb} file, ClamAV's hash
 * signatures). No freshclam, nothing downloaded: the test needs no other signature, and the
 * machine reaches no mirror. {@code ScanMail} makes clamd decode a message's attachments.
 */
final class ClamdDaemon implements AutoCloseable {

  /** The EICAR anti-virus test file (eicar.org), 68 octets. */
  static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

  private final Process process;
  private final int port;
  private final Path directory;

  private ClamdDaemon(Process process, int port, Path directory) {
    this.process = process;
    this.port = port;
    this.directory = directory;
  }

  static ClamdDaemon start(Path directory) throws Exception {
    ExternalTool clamd = ExternalTool.require("clamd", "clamav-daemon");
    int port = ServerProcess.freePort();
    Path database = Files.createDirectories(directory.resolve("db"));
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(EICAR.getBytes(StandardCharsets.US_ASCII)));
    Files.writeString(database.resolve("test.hdb"), md5 + ":" + EICAR.length() + ":Eicar-Test-Signature\n");
    Path config = Files.writeString(directory.resolve("clamd.conf"), """
        Foreground yes
        TCPSocket %d
        TCPAddr 127.0.0.1
        DatabaseDirectory %s
        LogFile %s
        PidFile %s
        ScanMail yes
        """.formatted(port, database, directory.resolve("clamd.log"), directory.resolve("clamd.pid")));
    Process process = new ProcessBuilder(clamd.executable().toString(), "-c", config.toString())
        .redirectErrorStream(true).redirectOutput(directory.resolve("stdout.log").toFile()).start();
    ClamdDaemon daemon = new ClamdDaemon(process, port, directory);
    Daemons.awaitListening("clamd", process, port, Duration.ofSeconds(60), daemon::log);
    return daemon;
  }

  /** Where clamd listens, as {@code content-checks.clamd} names it. */
  InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  String log() {
    try {
      return Files.readString(directory.resolve("stdout.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    Daemons.stop(process);
  }
}
