package dev.hikyaku.intake;

import dev.hikyaku.config.SendmailConfig;
import dev.hikyaku.protocol.Body;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.protocol.ReversePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local way in: a Unix domain socket that {@code hikyaku sendmail} hands messages to (Postfix's
 * postdrop and pickup in one). The kernel names the Unix user at the other end ({@code
 * SO_PEERCRED}), so a local user needs no password and none can leak; the message is queued through
 * {@link MessageIntake#acceptLocal} with the same commit before the reply as SMTP, and the reply is
 * one SMTP reply ({@link PickupRequest} gives the wire form). One virtual thread per connection; a
 * client that stops sending is cut off after {@link #DEADLINE}.
 */
public final class Pickup implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Pickup.class);

  /** How long one request may take to arrive, as a DATA phase's timeout would allow (RFC 5321 §4.5.3.2.6: 10 min). */
  static final Duration DEADLINE = Duration.ofMinutes(10);

  /** How long a stop waits for requests in progress. */
  static final Duration GRACE = Duration.ofSeconds(5);

  private final ServerSocketChannel server;
  private final Path socket;
  private final SendmailConfig config;
  private final MessageIntake intake;
  private final int maxRecipients;
  private final long maxMessageSize;
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private volatile Thread acceptor;

  private Pickup(ServerSocketChannel server, Path socket, SendmailConfig config, MessageIntake intake, int maxRecipients,
      long maxMessageSize) {
    this.server = server;
    this.socket = socket;
    this.config = config;
    this.intake = intake;
    this.maxRecipients = maxRecipients;
    this.maxMessageSize = maxMessageSize;
  }

  /**
   * Binds the socket at {@code socket} (mode 0666: who may use it is the directory's and {@code
   * config.users}' business), replacing a stale one a stopped server left behind.
   *
   * @param maxRecipients the most recipients one message may have
   * @throws IOException if another server listens there, or the socket cannot be made
   */
  public static Pickup open(Path socket, SendmailConfig config, MessageIntake intake, int maxRecipients, long maxMessageSize)
      throws IOException {
    Files.createDirectories(socket.toAbsolutePath().getParent());
    if (Files.exists(socket)) {
      try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
        throw new IOException("another server already listens on " + socket);
      } catch (IOException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("another server")) {
          throw e;
        }
        Files.delete(socket); // left by a server that stopped without removing it
      }
    }
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socket));
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return new Pickup(server, socket, config, intake, maxRecipients, maxMessageSize);
  }

  public Pickup start() {
    acceptor = Thread.ofVirtual().name("pickup").start(this::acceptLoop);
    return this;
  }

  public Path socket() {
    return socket;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel channel;
      try {
        channel = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        log.warn("pickup: accept failed: {}", e.toString());
        continue;
      }
      open.add(channel);
      Thread.ofVirtual().name("pickup-connection").start(() -> serve(channel));
    }
  }

  private void serve(SocketChannel channel) {
    Thread watchdog = Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(DEADLINE);
        channel.close();
      } catch (InterruptedException | IOException e) {
        // done in time, or closed already
      }
    });
    try (channel) {
      String user = channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
      InputStream in = Channels.newInputStream(channel);
      OutputStream out = Channels.newOutputStream(channel);
      Reply reply = answer(user, in);
      out.write(reply.toBytes());
      out.flush();
      // A reply given before the request was read whole (a user not admitted, a message too big):
      // read the rest, so that closing does not reset the connection and lose the reply.
      channel.shutdownOutput();
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      log.debug("pickup: connection ended: {}", e.toString());
    } finally {
      watchdog.interrupt();
      open.remove(channel);
    }
  }

  private Reply answer(String user, InputStream in) throws IOException {
    if (!config.admits(user)) {
      log.warn("pickup: refused local user {} (not in sendmail.users)", user);
      return Replies.localUserNotAllowed(user);
    }
    PickupRequest request;
    try {
      request = PickupRequest.readFrom(in, maxRecipients, maxMessageSize);
    } catch (PickupRequest.MalformedException e) {
      return Replies.badPickupRequest(e.getMessage());
    } catch (PickupRequest.TooLargeException e) {
      return e.isTooManyRecipients() ? Replies.tooManyRecipientsForOneMessage(maxRecipients) : Replies.messageTooBig();
    }
    Optional<Reply> problem = contentProblem(request.content());
    if (problem.isPresent()) {
      return problem.get();
    }
    if (request.recipients().isEmpty()) {
      return Replies.badPickupRequest("no recipients");
    }
    Envelope envelope;
    try {
      ReversePath from = request.sender().isEmpty() ? ReversePath.NULL
          : new ReversePath(Optional.of(ForwardPath.of(request.sender()).mailbox()));
      List<Envelope.Recipient> to = new ArrayList<>();
      for (String address : request.recipients()) {
        try {
          to.add(new Envelope.Recipient(ForwardPath.of(address), RcptParams.NONE));
        } catch (IllegalArgumentException e) {
          return Replies.badRecipientSyntax(e.getMessage());
        }
      }
      envelope = new Envelope(from, params(request), to);
    } catch (IllegalArgumentException e) {
      return Replies.badSenderSyntax(e.getMessage());
    }
    try {
      return switch (intake.acceptLocal(new MessageSource.Local(user), envelope, request.content())) {
        case IntakeResult.Queued queued -> Replies.queued(queued.id().toString());
        case IntakeResult.Refused refused -> refused.reply();
      };
    } catch (IntakeException e) {
      log.warn("pickup: not queued for {}: {}", user, e.getMessage());
      return e.isStorageFull() ? Replies.insufficientStorage() : Replies.localError();
    }
  }

  /** 8BITMIME when the message has octets above 127, SMTPUTF8 when an address does (RFC 6152, RFC 6531). */
  private static MailParams params(PickupRequest request) {
    boolean isEightBit = false;
    for (byte b : request.content()) {
      if (b < 0) {
        isEightBit = true;
        break;
      }
    }
    boolean isUtf8 = !request.sender().chars().allMatch(c -> c < 0x80)
        || request.recipients().stream().anyMatch(address -> !address.chars().allMatch(c -> c < 0x80));
    return new MailParams(OptionalLong.of(request.content().length), isEightBit || isUtf8 ? Body.EIGHT_BIT_MIME : Body.SEVEN_BIT,
        isUtf8, Optional.empty(), Optional.empty(), Optional.empty(), false);
  }

  /** What SMTP's DATA would refuse (RFC 5321 §2.3.8, §4.5.3.1.6; RFC 5322 §2.1): the same replies. */
  static Optional<Reply> contentProblem(byte[] content) {
    int lineLength = 0;
    for (int i = 0; i < content.length; i++) {
      byte b = content[i];
      if (b == 0) {
        return Optional.of(Replies.nulInData());
      }
      if (b == '\r') {
        if (i + 1 >= content.length || content[i + 1] != '\n') {
          return Optional.of(Replies.bareLineEnding());
        }
        i++;
        lineLength = 0;
      } else if (b == '\n') {
        return Optional.of(Replies.bareLineEnding());
      } else if (++lineLength > 998) {
        return Optional.of(Replies.dataLineTooLong());
      }
    }
    return Optional.empty();
  }

  /**
   * Stops taking connections, lets those in progress finish (their commit and reply) for up to
   * {@link #GRACE}, cuts off the rest, and removes the socket file.
   */
  @Override
  public void close() throws IOException {
    server.close();
    long deadline = System.nanoTime() + GRACE.toNanos();
    while (!open.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (SocketChannel channel : open) {
      channel.close();
    }
    Thread thread = acceptor;
    if (thread != null) {
      try {
        thread.join(GRACE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Files.deleteIfExists(socket);
  }
}
