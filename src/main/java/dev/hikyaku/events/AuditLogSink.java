package dev.hikyaku.events;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one JSON line per authentication attempt, block, suspension, attack suspicion,
 * relay denial, sender refusal and admin change, appended to {@code <data-directory>/audit.log}
 * (format: {@link AuditLine}, docs/audit-log.md). Other events are not audit records and are dropped.
 *
 * <p>Writing: each line goes to the kernel in one {@code write(2)} under one lock, on the
 * publisher's thread, with no user-space buffer. That costs a few microseconds per line (a copy into
 * the page cache, no fsync), small beside the Argon2id verification behind every AUTH attempt; a
 * line is readable by fail2ban and {@code audit tail} the moment the client gets its reply, and a
 * crash of the server loses no line already written. A background writer with a queue would add a
 * bound, a drop policy and lines lost on a crash, to save nothing measurable. The lock is a
 * {@link ReentrantLock} because session threads are virtual; the stream is a plain
 * {@link FileOutputStream} because an interrupted writer must not close a {@code FileChannel} that
 * every session shares.
 *
 * <p>Rotation by size: before a line that would take the file past {@link Rotation#maxBytes()}, the
 * file is renamed {@code audit.log.1} (older ones shift to {@code .2} ... up to {@link
 * Rotation#keep()}, the oldest is deleted) and a new {@code audit.log} is started, so no line is ever
 * split between two files.
 *
 * <p>Never throws into the caller: an event that cannot be encoded or written is counted and
 * reported through SLF4J (once per outage, not once per line), and writing resumes on its own when
 * the file is writable again.
 */
public final class AuditLogSink implements EventSink, AutoCloseable {

  /** The file's name in the data directory. */
  public static final String FILE_NAME = "audit.log";

  private static final Logger log = LoggerFactory.getLogger(AuditLogSink.class);

  /**
   * When to rotate and how many rotated files to keep.
   *
   * @param maxBytes a file is rotated before it would grow past this (a single longer line still
   *     goes into a file of its own)
   * @param keep how many rotated files ({@code audit.log.1} ... {@code audit.log.<keep>}) to keep
   */
  public record Rotation(long maxBytes, int keep) {
    public Rotation {
      if (maxBytes < 1) {
        throw new IllegalArgumentException("audit log rotation size must be at least 1 byte, was " + maxBytes);
      }
      if (keep < 1) {
        throw new IllegalArgumentException("audit log must keep at least 1 rotated file, was " + keep);
      }
    }

    /** 100 MiB per file, ten rotated files: about 1.1 GiB at most. */
    public static Rotation defaults() {
      return new Rotation(100L * 1024 * 1024, 10);
    }
  }

  private final Path file;
  private final Rotation rotation;
  private final ReentrantLock lock = new ReentrantLock();

  // Guarded by lock.
  private OutputStream out;
  private long size;
  private long rotateAt;
  private long lostLines;
  private boolean isClosed;

  private AuditLogSink(Path file, Rotation rotation) {
    this.file = file;
    this.rotation = rotation;
    this.rotateAt = rotation.maxBytes();
  }

  /** Opens (creating if needed) the audit log at {@code file} with the default rotation. */
  public static AuditLogSink open(Path file) throws IOException {
    return open(file, Rotation.defaults());
  }

  /**
   * Opens (creating if needed, mode 0640 where the file system has POSIX permissions) the audit log
   * at {@code file}. Fails here, at startup, rather than losing the first records later.
   */
  public static AuditLogSink open(Path file, Rotation rotation) throws IOException {
    AuditLogSink sink = new AuditLogSink(file, rotation);
    sink.lock.lock();
    try {
      sink.openFile();
    } finally {
      sink.lock.unlock();
    }
    return sink;
  }

  /** The rotated file of generation {@code generation}: {@code audit.log.1} is the newest. */
  public static Path rotated(Path file, int generation) {
    return file.resolveSibling(file.getFileName() + "." + generation);
  }

  public Path file() {
    return file;
  }

  @Override
  public void accept(Event event) {
    Optional<byte[]> line;
    try {
      line = AuditLine.encode(event);
    } catch (RuntimeException e) {
      // A bug (an event without a time) or Jackson refusing a value: mail flow goes on, and the
      // operator hears which record is missing.
      log.error("audit log: cannot encode {}: {}", event.getClass().getSimpleName(), e.toString());
      return;
    }
    line.ifPresent(this::append);
  }

  private void append(byte[] line) {
    lock.lock();
    try {
      if (isClosed) {
        log.debug("audit log closed; dropped a line of {} bytes", line.length);
        return;
      }
      if (size > 0 && size + line.length > rotateAt) {
        rotate();
      }
      if (out == null) {
        openFile(); // after an earlier write failure
      }
      out.write(line);
      size += line.length;
      if (lostLines > 0) {
        log.warn("audit log {} is writable again; {} record(s) were lost", file, lostLines);
        lostLines = 0;
      }
    } catch (IOException | RuntimeException e) {
      if (lostLines++ == 0) {
        log.error("audit log {}: cannot write ({}); records are lost until it is writable again", file, e.toString());
      }
      closeStream();
    } finally {
      lock.unlock();
    }
  }

  /** Shifts audit.log → .1 → .2 ... and starts a new file. Called with the lock held. */
  private void rotate() throws IOException {
    closeStream();
    try {
      Files.deleteIfExists(rotated(file, rotation.keep()));
      for (int generation = rotation.keep() - 1; generation >= 1; generation--) {
        Path older = rotated(file, generation);
        if (Files.exists(older)) {
          Files.move(older, rotated(file, generation + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(file, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
      rotateAt = rotation.maxBytes();
    } catch (IOException e) {
      // Keep appending to the file we have rather than lose records; try again one size later.
      log.error("audit log {}: rotation failed ({}); appending to the current file", file, e.toString());
      rotateAt = size + rotation.maxBytes();
    }
    openFile();
  }

  /** Opens the file for appending. Called with the lock held. */
  private void openFile() throws IOException {
    if (!Files.exists(file)) {
      try {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
          // Account names and client addresses: readable by the server's group (fail2ban runs as root).
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
        } else {
          Files.createFile(file);
        }
      } catch (FileAlreadyExistsException raced) {
        // Created by someone else in between: append to theirs.
      }
    }
    size = Files.size(file);
    boolean isMidLine = size > 0 && lastByte() != '\n';
    out = new FileOutputStream(file.toFile(), true);
    if (isMidLine) {
      // A write cut short (disk full, crash) left half a record: end it, so the next record starts
      // on a line of its own instead of being glued to the fragment.
      out.write('\n');
      size++;
    }
  }

  private int lastByte() throws IOException {
    try (RandomAccessFile reader = new RandomAccessFile(file.toFile(), "r")) {
      reader.seek(reader.length() - 1);
      return reader.read();
    }
  }

  private void closeStream() {
    if (out == null) {
      return;
    }
    try {
      out.close();
    } catch (IOException e) {
      log.warn("audit log {}: close failed: {}", file, e.toString());
    }
    out = null;
  }

  /** Closes the file; later events are dropped. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (isClosed) {
        return;
      }
      isClosed = true;
      closeStream();
      if (lostLines > 0) {
        log.warn("audit log {} closed with {} record(s) lost", file, lostLines);
      }
    } finally {
      lock.unlock();
    }
  }
}
