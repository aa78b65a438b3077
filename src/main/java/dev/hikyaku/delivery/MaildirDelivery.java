package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.Mailbox;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Final delivery into Maildirs (https://cr.yp.to/proto/maildir.html): each recipient's copy goes to
 * {@code <root>/<local-part>/tmp/}, is synced, then renamed into {@code new/}, whose directory entry
 * is synced too before the recipient counts as delivered. A crash leaves at most a file in {@code
 * tmp/}, never a half-written message in {@code new/}.
 *
 * <p>The directory is named by the mailbox's canonical local part ({@link Mailbox#localPart}: a
 * Quoted-string's content, quoted-pairs resolved), so {@code "bob"@d} and {@code bob@d} share one
 * Maildir (RFC 5321 §4.1.2). Local parts are folded to lower case: RFC 5321 §2.4 lets a server treat
 * them case-insensitively, and mailboxes that differ only in case are a trap. Spellings of one
 * mailbox in one message get one copy. The local part becomes a directory name, so one that could
 * leave {@code root} ({@code /}, {@code ..}, control characters) fails permanently with 5.1.3; the
 * policy chain refuses such recipients at RCPT with the same {@link #localPartProblem}, so this is
 * the second line of defence.
 */
public final class MaildirDelivery {

  private static final Logger log = LoggerFactory.getLogger(MaildirDelivery.class);

  private static final boolean IS_POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private final Clock clock;
  private final RandomGenerator random;
  private final String host;
  private final AtomicLong deliveries = new AtomicLong();

  /**
   * @param hostname this server's name, the last part of every file name (Maildir spec: "/" and ":"
   *     in it are written as \057 and \072)
   */
  public MaildirDelivery(Clock clock, RandomGenerator random, String hostname) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.host = hostname.replace("/", "\\057").replace(":", "\\072");
  }

  /**
   * One copy of {@code message} for each mailbox among the recipients, under {@code root}. A Maildir
   * that does not exist yet is created. Outcomes in recipient order: delivered, transient (a file
   * system failure: full disk, permissions) or permanent (a local part that is not a safe directory
   * name); recipients that name one Maildir share the outcome of its one delivery.
   */
  public List<Attempt> deliver(Path root, Outbound message) {
    List<Attempt> attempts = new ArrayList<>(message.recipients().size());
    // RFC 5321 §4.4: the final delivery inserts the reverse-path as Return-Path at the top.
    byte[] returnPath = ("Return-Path: <" + message.reversePath() + ">\r\n").getBytes(StandardCharsets.UTF_8);
    Map<String, Attempt> byMaildir = new HashMap<>();
    for (String recipient : message.recipients()) {
      Optional<Mailbox> mailbox = mailbox(recipient);
      Optional<String> problem = mailbox.isEmpty() ? Optional.of(recipient + " is not a mailbox address (RFC 5321 §4.1.2)")
          : localPartProblem(mailbox.get()).map(p -> "local part of " + recipient + " " + p);
      if (problem.isPresent()) {
        String reason = problem.get();
        attempts.add(new Attempt(recipient, DeliveryReasons.badMailboxName(reason)));
        continue;
      }
      String directory = directoryName(mailbox.get());
      Attempt first = byMaildir.get(directory);
      if (first == null) {
        first = deliverTo(root.resolve(directory), recipient, returnPath, message.content());
        byMaildir.put(directory, first);
        attempts.add(first);
      } else {
        attempts.add(sameOutcome(first, recipient));
      }
    }
    return List.copyOf(attempts);
  }

  private Attempt deliverTo(Path maildir, String recipient, byte[] returnPath, byte[] content) {
    try {
      String name = deliverOne(maildir, returnPath, content);
      return new Attempt(recipient, DeliveryReasons.deliveredToMaildir("delivered to Maildir as " + name));
    } catch (IOException e) {
      log.warn("Maildir delivery to {} failed: {}", maildir, e.toString());
      String reason = "Maildir delivery to " + maildir + " failed: " + e;
      // RFC 3463 X.3.1 when the file system is full, else X.3.0: tried again either way.
      boolean isFull = e.getMessage() != null && e.getMessage().contains("No space left");
      return new Attempt(recipient, isFull ? DeliveryReasons.mailboxStorageFull(reason) : DeliveryReasons.localFailure(reason));
    }
  }

  /** {@code first}'s outcome for another recipient that names the same Maildir. */
  private static Attempt sameOutcome(Attempt first, String recipient) {
    return new Attempt(recipient, first.status());
  }

  private String deliverOne(Path maildir, byte[] returnPath, byte[] content) throws IOException {
    Path tmp = maildir.resolve("tmp");
    Path fresh = maildir.resolve("new");
    createDirectories(tmp);
    createDirectories(fresh);
    createDirectories(maildir.resolve("cur"));
    String name = uniqueName();
    Path temporary = tmp.resolve(name);
    try {
      try (FileChannel file = FileChannel.open(temporary, fileOptions(), fileAttributes())) {
        writeFully(file, ByteBuffer.wrap(returnPath));
        writeFully(file, ByteBuffer.wrap(content));
        file.force(true);
      }
      // Maildir: a file appears in new/ only when complete; rename is atomic within one file system.
      Files.move(temporary, fresh.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("Maildir file name " + name + " is already taken; not overwriting it", e);
    } catch (IOException e) {
      Files.deleteIfExists(temporary);
      throw e;
    }
    // The rename is durable only once the directory entry is on disk.
    try (FileChannel directory = FileChannel.open(fresh, StandardOpenOption.READ)) {
      directory.force(true);
    }
    return name;
  }

  /** Maildir spec: seconds, then M microseconds, P process id, Q delivery count, R random; then the host. */
  String uniqueName() {
    Instant now = clock.instant();
    long micros = now.getNano() / 1000;
    String randomPart = HexFormat.of().toHexDigits(random.nextLong());
    return now.getEpochSecond() + ".M" + micros + "P" + ProcessHandle.current().pid() + "Q" + deliveries.incrementAndGet()
        + "R" + randomPart + "." + host;
  }

  /**
   * Why {@code mailbox} can have no Maildir of its own under its domain's root, or empty when it
   * can: its directory name must be one safe name. The one definition of the rule, for delivery and
   * for the check at RCPT time ({@code policy.MaildirMailboxRule}); the texts complete "its local
   * part ...".
   */
  public static Optional<String> localPartProblem(Mailbox mailbox) {
    String name = directoryName(mailbox);
    if (name.isEmpty()) {
      return Optional.of("is empty");
    }
    if (name.equals(".") || name.equals("..") || name.contains("..")) {
      return Optional.of("contains \"..\" or is \".\", which would name another directory");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == '\\') {
        return Optional.of("contains a path separator");
      }
      if (c < 0x20 || c == 0x7f) {
        return Optional.of("contains a control character");
      }
    }
    if (name.startsWith(".")) {
      return Optional.of("starts with a dot, which would make a hidden directory");
    }
    return Optional.empty();
  }

  /** The Maildir directory of {@code mailbox}: its canonical local part, in lower case. */
  private static String directoryName(Mailbox mailbox) {
    return mailbox.localPart().toLowerCase(Locale.ROOT);
  }

  /** A queued forward-path read back with the parser RCPT uses, or empty when it is no address. */
  private static Optional<Mailbox> mailbox(String forwardPath) {
    try {
      return Optional.of(ForwardPath.of(forwardPath).mailbox());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static void writeFully(FileChannel file, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      file.write(buffer);
    }
  }

  private static Set<StandardOpenOption> fileOptions() {
    return Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  private static FileAttribute<?>[] fileAttributes() {
    // Mail is private: owner only.
    return IS_POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }

  private static void createDirectories(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    if (IS_POSIX) {
      Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(directory);
    }
  }
}
