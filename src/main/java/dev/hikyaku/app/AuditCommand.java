package dev.hikyaku.app;

import dev.hikyaku.events.AuditLogSink;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hikyaku audit}: read the audit log the server writes ({@code <data-directory>/audit.log},
 * JSON lines, docs/audit-log.md). Reads only; the server may be running and rotating the file.
 */
@Command(
    name = "audit",
    description = "Read the audit log (JSON lines, one per security-relevant event).",
    subcommands = {AuditCommand.Tail.class})
final class AuditCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "tail",
      description = "Print the last lines of the audit log; with --follow, keep printing new ones until interrupted.")
  static final class Tail implements Callable<Integer> {

    /** How often --follow looks for new lines and for rotation (tail -F polls too). */
    static final Duration POLL = Duration.ofMillis(200);

    @Option(names = "--config", paramLabel = "FILE", description = "The config the server runs with (for its data-directory).")
    Path config;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "20", description = "How many lines (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = {"-f", "--follow"}, description = "Keep printing lines as they are written, across rotations.")
    boolean isFollowing;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (count < 0) {
        throw new Main.UserError("-n must be 0 or more, was " + count);
      }
      Path file = Main.loadConfig(config).dataDirectory().resolve(AuditLogSink.FILE_NAME);
      if (!Files.isRegularFile(file)) {
        throw new Main.UserError(
            "no audit log at " + file.toAbsolutePath()
                + " yet (the server creates it when it starts; pass the --config the server uses)");
      }
      PrintWriter out = spec.commandLine().getOut();
      LastLines last = lastLines(file, count);
      if (last.lines().size() < count) {
        // Just rotated: the rest of the last N lines are at the end of the previous file.
        Path previous = AuditLogSink.rotated(file, 1);
        if (Files.isRegularFile(previous)) {
          lastLines(previous, count - last.lines().size()).lines().forEach(out::println);
        }
      }
      last.lines().forEach(out::println);
      out.flush();
      if (isFollowing) {
        follow(file, last.end(), out);
      }
      return 0;
    }
  }

  /**
   * The last {@code n} complete lines of a file and the offset just after them. A line still being
   * written (no LF yet) is not complete: --follow prints it once it is.
   */
  record LastLines(List<String> lines, long end) {}

  static LastLines lastLines(Path file, int n) throws IOException {
    final int chunk = 64 * 1024;
    try (RandomAccessFile reader = new RandomAccessFile(file.toFile(), "r")) {
      long from = reader.length();
      byte[] tail = new byte[0];
      long lineEnds = 0;
      // n lines need n + 1 line ends in view (the one before the first line), or the file's start.
      while (from > 0 && lineEnds < n + 1L) {
        int size = (int) Math.min(chunk, from);
        from -= size;
        byte[] more = new byte[size + tail.length];
        reader.seek(from);
        reader.readFully(more, 0, size);
        System.arraycopy(tail, 0, more, size, tail.length);
        tail = more;
        lineEnds += count(tail, 0, size, (byte) '\n');
      }
      int complete = lastIndexOf(tail, (byte) '\n') + 1;
      List<String> lines = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < complete; i++) {
        if (tail[i] == '\n') {
          lines.add(new String(tail, start, i - start, StandardCharsets.UTF_8));
          start = i + 1;
        }
      }
      if (from > 0 && !lines.isEmpty()) {
        lines.removeFirst(); // it may start mid-line
      }
      return new LastLines(
          List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size())), from + complete);
    }
  }

  /**
   * Prints lines as they are appended, from {@code start}, until the thread is interrupted. The
   * server rotates by renaming: when the path names another file (another inode) than the one being
   * read, the rest of the old file is printed (it is still open), then any whole generation that
   * came and went between two looks ({@code audit.log.N} newer than the old file), then the new
   * file from its start. A file that shrank (truncated in place, by someone else) is read again
   * from its start, as {@code tail -F} does; a truncation followed at once by as many bytes as were
   * read is not noticed.
   */
  static void follow(Path file, long start, PrintWriter out) throws IOException {
    Followed current = Followed.open(file, start);
    try {
      while (true) {
        current.printNew(out);
        Optional<Object> key = fileKey(file);
        if (key.isPresent() && !Objects.equals(key.get(), current.key)) {
          current.printNew(out); // what was written before the rename
          int generation = generationOf(file, current.key);
          current.close();
          for (int g = generation - 1; g >= 1; g--) {
            Optional<Followed> between = Followed.tryOpen(AuditLogSink.rotated(file, g));
            if (between.isPresent()) {
              try (Followed whole = between.get()) {
                whole.printNew(out);
              }
            }
          }
          current = Followed.open(file, 0);
          continue;
        } else if (key.isPresent() && current.length() < current.position) {
          current.restart();
          continue;
        }
        out.flush();
        try {
          Thread.sleep(Tail.POLL);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    } finally {
      out.flush();
      current.close();
    }
  }

  /**
   * Which rotated generation ({@code audit.log.N}) the file with {@code key} is now, or 0 when it is
   * none of them (deleted, or a file system without file keys).
   */
  private static int generationOf(Path file, Object key) throws IOException {
    if (key == null) {
      return 0;
    }
    for (int g = 1; Files.exists(AuditLogSink.rotated(file, g)); g++) {
      if (key.equals(fileKey(AuditLogSink.rotated(file, g)).orElse(null))) {
        return g;
      }
    }
    return 0;
  }

  private static Optional<Object> fileKey(Path file) throws IOException {
    try {
      return Optional.ofNullable(Files.readAttributes(file, BasicFileAttributes.class).fileKey());
    } catch (NoSuchFileException e) {
      return Optional.empty(); // between the rename and the new file
    }
  }

  /** One file being followed: where reading stopped, and the start of a line not yet ended. */
  private static final class Followed implements AutoCloseable {
    private final RandomAccessFile reader;
    private final Object key;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private long position;

    private Followed(RandomAccessFile reader, Object key, long position) {
      this.reader = reader;
      this.key = key;
      this.position = position;
    }

    static Followed open(Path file, long position) throws IOException {
      while (true) {
        // The path's file before and after opening: the same one means the one opened (a rotation
        // in between would otherwise pair the old file with the new one's key, and follow the old).
        Optional<Object> before = fileKey(file);
        // A RandomAccessFile, not a FileChannel: interrupting --follow must end it, not fail a read.
        RandomAccessFile reader = new RandomAccessFile(file.toFile(), "r");
        Optional<Object> after = fileKey(file);
        if (before.equals(after)) {
          return new Followed(reader, after.orElse(null), position);
        }
        reader.close();
        position = 0;
      }
    }

    static Optional<Followed> tryOpen(Path file) throws IOException {
      try {
        return Optional.of(open(file, 0));
      } catch (FileNotFoundException e) {
        return Optional.empty();
      }
    }

    long length() throws IOException {
      return reader.length();
    }

    void restart() {
      position = 0;
      partial.reset();
    }

    void printNew(PrintWriter out) throws IOException {
      byte[] buffer = new byte[64 * 1024];
      reader.seek(position);
      int read;
      while ((read = reader.read(buffer)) > 0) {
        position += read;
        for (int i = 0; i < read; i++) {
          if (buffer[i] == '\n') {
            out.println(partial.toString(StandardCharsets.UTF_8));
            partial.reset();
          } else {
            partial.write(buffer[i]);
          }
        }
      }
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }

  private static int count(byte[] bytes, int from, int to, byte b) {
    int n = 0;
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        n++;
      }
    }
    return n;
  }

  private static int lastIndexOf(byte[] bytes, byte b) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
