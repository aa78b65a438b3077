package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A private Postfix instance ({@code postfix -c DIR}) acting as the MX of {@value #DOMAIN} on
 * 127.0.0.1 and a free port: its own configuration, queue and data directories under one
 * directory, STARTTLS offered with a self-signed P-256 certificate for {@value #HOSTNAME}, and
 * delivery by {@code virtual(8)} into Maildirs under that directory for the listed mailboxes only.
 * It never touches the system instance (/etc/postfix/main.cf, port 25) and sends nothing anywhere:
 * mail for any other domain goes to the {@code error} transport.
 *
 * <p>Optionally it refuses some recipients for now with a 4xx ({@link #stopRefusing} lifts it),
 * and runs a submission port as a smarthost would: STARTTLS required, then AUTH PLAIN/LOGIN against
 * a private Dovecot (its SASL service only, on a socket in Postfix's queue directory), relaying only
 * for authenticated clients.
 *
 * <p>Postfix's daemons run as the {@code postfix} user and deliver as {@code nobody}, so the
 * directory is made traversable (0755) and the Maildir base is given to {@code nobody}. Starting
 * needs root, as the tests have here and in CI.
 */
final class PostfixPeer implements AutoCloseable {

  static final String DOMAIN = "postfix.test";
  static final String HOSTNAME = "mx.postfix.test";
  private static final String DELIVERY_USER = "nobody";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  /** An account of the submission port: its user name and password (Dovecot passwd-file). */
  record SaslAccount(String user, String password) {
    @Override
    public String toString() {
      return "SaslAccount[user=" + user + ", password=(hidden)]";
    }
  }

  private final ExternalTool postfix;
  private final Path directory;
  private final Path config;
  private final int port;
  private final int submissionPort;
  private Optional<Path> dovecotConfig = Optional.empty();
  private boolean isRunning;

  private PostfixPeer(ExternalTool postfix, Path directory, int port, int submissionPort) {
    this.postfix = postfix;
    this.directory = directory;
    this.config = directory.resolve("etc");
    this.port = port;
    this.submissionPort = submissionPort;
  }

  /**
   * Configures and starts the instance under {@code directory} (which must be empty), accepting
   * mail for {@code mailboxes} (local parts in {@value #DOMAIN}) and refusing any other recipient
   * there with 550 5.1.1.
   */
  static PostfixPeer start(Path directory, List<String> mailboxes) throws IOException {
    return start(directory, mailboxes, List.of(), Optional.empty());
  }

  /**
   * As {@link #start(Path, List)}; recipients in {@code refusedForNow} (local parts) get {@code 450
   * 4.2.0} until {@link #stopRefusing}, and with {@code sasl} the submission port takes mail from
   * that account only.
   */
  static PostfixPeer start(Path directory, List<String> mailboxes, List<String> refusedForNow, Optional<SaslAccount> sasl)
      throws IOException {
    ExternalTool postfix = ExternalTool.require("postfix", "postfix");
    ExternalTool openssl = ExternalTool.require("openssl", "openssl");
    PostfixPeer peer = new PostfixPeer(postfix, directory, ServerProcess.freePort(), ServerProcess.freePort());
    peer.configure(openssl, mailboxes, refusedForNow, sasl.isPresent());
    peer.launch();
    if (sasl.isPresent()) {
      peer.launchDovecot(sasl.get());
    }
    return peer;
  }

  int port() {
    return port;
  }

  /** The submission port (STARTTLS, then AUTH); only with an account. */
  int submissionPort() {
    return submissionPort;
  }

  /** The certificate Postfix presents (for mx.postfix.test and localhost). */
  Path certificate() {
    return directory.resolve("tls").resolve("cert.pem");
  }

  /** From now on every listed recipient is taken (reloads Postfix). */
  void stopRefusing() throws IOException {
    Files.writeString(config.resolve("refusals"), "# nobody is refused now\n", StandardCharsets.US_ASCII);
    ExternalTool.Run reload = postfix.run("-c", config.toString(), "reload");
    assertThat(reload.exitCode()).as("postfix reload%n%s", reload.describe()).isZero();
  }

  /** Postfix's own log, for assertion messages. */
  String log() {
    Path log = directory.resolve("maillog");
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no maillog)";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every message delivered so far to {@code mailbox}'s Maildir, as Postfix wrote it (LF line ends). */
  List<String> delivered(String mailbox) {
    Path fresh = directory.resolve("mail").resolve(mailbox).resolve("new");
    if (!Files.isDirectory(fresh)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(fresh)) {
      List<String> messages = new ArrayList<>();
      for (Path file : files.sorted().toList()) {
        messages.add(Files.readString(file, StandardCharsets.ISO_8859_1));
      }
      return messages;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The message in {@code mailbox} whose content contains {@code token}, if it has arrived. */
  Optional<String> deliveredContaining(String mailbox, String token) {
    return delivered(mailbox).stream().filter(m -> m.contains(token)).findFirst();
  }

  private void configure(ExternalTool openssl, List<String> mailboxes, List<String> refusedForNow, boolean hasSubmission)
      throws IOException {
    // Postfix's unprivileged daemons must reach the queue under this directory (JUnit makes it 0700).
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path tls = Files.createDirectory(directory.resolve("tls"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.createDirectories(config);
    Files.createDirectories(directory.resolve("spool"));
    Path data = Files.createDirectories(directory.resolve("data"));
    Path mail = Files.createDirectories(directory.resolve("mail"));
    UserPrincipalLookupService users = directory.getFileSystem().getUserPrincipalLookupService();
    // master.lock and the TLS session caches live in data_directory, written by the postfix user.
    Files.setOwner(data, users.lookupPrincipalByName("postfix"));
    PosixFileAttributeView mailOwner = Files.getFileAttributeView(mail, PosixFileAttributeView.class);
    mailOwner.setOwner(users.lookupPrincipalByName(DELIVERY_USER));
    GroupPrincipal deliveryGroup = users.lookupPrincipalByGroupName(primaryGroupOf(DELIVERY_USER));
    mailOwner.setGroup(deliveryGroup);

    // The key is read by smtpd before it drops root privileges; it stays 0600 root in a 0700 directory.
    Path key = tls.resolve("key.pem");
    Path certificate = tls.resolve("cert.pem");
    ExternalTool.Run made =
        openssl.run(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=" + HOSTNAME, "-addext", "subjectAltName=DNS:" + HOSTNAME + ",DNS:localhost", "-days", "2",
            "-keyout", key.toString(), "-out", certificate.toString());
    assertThat(made.exitCode()).as("openssl req (output not shown: it may name the key)").isZero();

    StringBuilder table = new StringBuilder();
    for (String mailbox : mailboxes) {
      // virtual(8): a path ending in "/" is a Maildir, relative to virtual_mailbox_base.
      table.append(mailbox).append('@').append(DOMAIN).append(' ').append(mailbox).append("/\n");
    }
    Files.writeString(config.resolve("vmailbox"), table.toString(), StandardCharsets.US_ASCII);
    StringBuilder refusals = new StringBuilder("# regexp(5): recipients refused for now\n");
    for (String mailbox : refusedForNow) {
      // Local parts here are plain words; the dots of the domain are escaped.
      refusals.append("/^").append((mailbox + "@" + DOMAIN).replace(".", "\\.")).append("$/ 450 4.2.0 Mailbox busy, try again later\n");
    }
    Files.writeString(config.resolve("refusals"), refusals.toString(), StandardCharsets.US_ASCII);

    long uid = numericId("-u", DELIVERY_USER);
    long gid = numericId("-g", DELIVERY_USER);
    String main =
        """
        # Private Postfix instance for PostfixPeerInteropTest. Loopback only; delivers nowhere else.
        compatibility_level = 3.6
        queue_directory = %1$s/spool
        data_directory = %1$s/data
        command_directory = /usr/sbin
        daemon_directory = /usr/lib/postfix/sbin
        shlib_directory = /usr/lib/postfix
        meta_directory = /etc/postfix
        mail_owner = postfix
        setgid_group = postdrop
        # No syslog here: Postfix's own log file (postlogd), under a prefix it is allowed to use.
        maillog_file_prefixes = %1$s
        maillog_file = %1$s/maillog
        myhostname = %2$s
        mydomain = %3$s
        myorigin = $myhostname
        # postfix.test is a virtual mailbox domain, so it must not be in mydestination too.
        mydestination =
        local_recipient_maps =
        alias_maps =
        alias_database =
        inet_interfaces = 127.0.0.1
        inet_protocols = ipv4
        mynetworks = 127.0.0.0/8
        biff = no
        smtpd_banner = $myhostname ESMTP Postfix
        smtpd_peername_lookup = no
        # Explicitly: 550 5.1.1 for a recipient not in virtual_mailbox_maps, for every client.
        smtpd_reject_unlisted_recipient = yes
        smtpd_relay_restrictions = reject_unauth_destination
        smtpd_recipient_restrictions = check_recipient_access regexp:%1$s/etc/refusals, reject_unlisted_recipient
        # The submission port's AUTH (master.cf), answered by the private Dovecot.
        smtpd_sasl_type = dovecot
        smtpd_sasl_path = private/auth
        smtpd_sasl_auth_enable = no
        smtpd_tls_auth_only = yes
        smtpd_tls_security_level = may
        smtpd_tls_cert_file = %4$s
        smtpd_tls_key_file = %5$s
        smtpd_tls_received_header = yes
        smtpd_tls_loglevel = 1
        virtual_mailbox_domains = %3$s
        virtual_mailbox_base = %1$s/mail
        virtual_mailbox_maps = texthash:%1$s/etc/vmailbox
        virtual_uid_maps = static:%6$d
        virtual_gid_maps = static:%7$d
        virtual_transport = virtual
        # Nothing leaves this instance (bounces to the test's senders included).
        default_transport = error:this test instance sends no mail out
        relay_transport = error:this test instance sends no mail out
        relayhost =
        """
            .formatted(directory, HOSTNAME, DOMAIN, certificate, key, uid, gid);
    Files.writeString(config.resolve("main.cf"), main, StandardCharsets.US_ASCII);
    String master =
        """
        # service type  private unpriv  chroot  wakeup  maxproc command + args
        127.0.0.1:%d inet n - n - - smtpd
        %s
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        tlsmgr    unix  -       -       n       1000?   1       tlsmgr
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce
        verify    unix  -       -       n       -       1       verify
        flush     unix  n       -       n       1000?   0       flush
        proxymap  unix  -       -       n       -       -       proxymap
        proxywrite unix -       -       n       -       1       proxymap
        showq     unix  n       -       n       -       -       showq
        error     unix  -       -       n       -       -       error
        retry     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        virtual   unix  -       n       n       -       -       virtual
        anvil     unix  -       -       n       -       1       anvil
        scache    unix  -       -       n       -       1       scache
        postlog   unix-dgram n  -       n       -       1       postlogd
        """
            .formatted(port, hasSubmission
                ? "127.0.0.1:" + submissionPort + " inet n - n - - smtpd -o smtpd_tls_security_level=encrypt"
                    + " -o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject"
                    + " -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
                    + " -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject"
                : "# no submission port");
    Files.writeString(config.resolve("master.cf"), master, StandardCharsets.US_ASCII);
  }

  private void launch() {
    ExternalTool.Run check = postfix.run("-c", config.toString(), "check");
    assertThat(check.exitCode()).as("postfix check%n%s", check.describe()).isZero();
    ExternalTool.Run started = postfix.run("-c", config.toString(), "start");
    isRunning = true; // from here on close() stops it, whatever happens next
    assertThat(started.exitCode()).as("postfix start%n%s%n%s", started.describe(), log()).isZero();
    // master opens the port once it has read master.cf, shortly after "postfix start" returns.
    await()
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .failFast("Postfix logged a fatal error", () -> log().contains("fatal:"))
        .until(this::isListening);
  }

  private boolean isListening() {
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false; // not listening yet
    }
  }

  /**
   * A Dovecot with no protocols: only its auth service, on the socket Postfix's smtpd_sasl_path
   * names. The password sits in a 0640 passwd-file ({PLAIN}: a throwaway test account), never on
   * a command line.
   */
  private void launchDovecot(SaslAccount account) throws IOException {
    ExternalTool dovecot = ExternalTool.require("dovecot", "dovecot-core");
    Path home = Files.createDirectories(directory.resolve("dovecot"));
    Files.createDirectories(home.resolve("run"));
    Files.createDirectories(home.resolve("state"));
    Path users = home.resolve("users");
    Files.writeString(users, account.user() + ":{PLAIN}" + account.password() + "\n", StandardCharsets.UTF_8);
    UserPrincipalLookupService lookup = directory.getFileSystem().getUserPrincipalLookupService();
    Files.getFileAttributeView(users, PosixFileAttributeView.class).setGroup(lookup.lookupPrincipalByGroupName("dovecot"));
    Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r-----"));
    Path conf = home.resolve("dovecot.conf");
    Files.writeString(conf, """
        # Private Dovecot for PostfixPeer: SASL for Postfix only, no IMAP/POP, no network listener.
        base_dir = %1$s/run
        state_dir = %1$s/state
        log_path = %1$s/dovecot.log
        protocols =
        ssl = no
        default_internal_user = dovecot
        default_login_user = dovenull
        auth_mechanisms = plain login
        passdb {
          driver = passwd-file
          args = username_format=%%u %1$s/users
        }
        userdb {
          driver = static
          args = uid=nobody gid=nogroup home=/nonexistent
        }
        service auth {
          unix_listener %2$s/spool/private/auth {
            mode = 0660
            user = postfix
            group = postfix
          }
        }
        """.formatted(home, directory), StandardCharsets.US_ASCII);
    ExternalTool.Run started = dovecot.run("-c", conf.toString());
    dovecotConfig = Optional.of(conf);
    assertThat(started.exitCode()).as("dovecot%n%s", started.describe()).isZero();
    Path socket = directory.resolve("spool").resolve("private").resolve("auth");
    await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> Files.exists(socket));
  }

  /** Stops the instance and waits for its master to be gone, so the directory can be removed. */
  @Override
  public void close() {
    dovecotConfig.ifPresent(conf -> {
      ExternalTool.Run stopped = ExternalTool.require("doveadm", "dovecot-core").run("-c", conf.toString(), "stop");
      assertThat(stopped.exitCode()).as("doveadm stop%n%s", stopped.describe()).isZero();
    });
    dovecotConfig = Optional.empty();
    if (!isRunning) {
      return;
    }
    ExternalTool.Run stopped = postfix.run("-c", config.toString(), "stop");
    isRunning = false;
    assertThat(stopped.exitCode()).as("postfix stop%n%s", stopped.describe()).isZero();
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> postfix.run("-c", config.toString(), "status").exitCode() != 0);
  }

  private static long numericId(String option, String user) {
    ExternalTool.Run id = ExternalTool.require("id", "coreutils").run(option, user);
    assertThat(id.exitCode()).as(id.describe()).isZero();
    return Long.parseLong(id.stdout().strip());
  }

  private static String primaryGroupOf(String user) {
    ExternalTool.Run id = ExternalTool.require("id", "coreutils").run("-gn", user);
    assertThat(id.exitCode()).as(id.describe()).isZero();
    return id.stdout().strip();
  }
}
