package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.protocol.Utf8;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The client's AUTH at a smarthost (RFC 4954): PLAIN (RFC 4616) where offered, else LOGIN, only
 * under TLS. The password goes to the socket only, zeroed after use, and never to a log or an
 * exception. Every refusal defers (our credentials, not the message, are wrong).
 */
final class ClientAuth {

  private ClientAuth() {}

  /**
   * Authenticates over {@code connection}, whose EHLO announced {@code extensions}.
   *
   * @throws OutboundException when AUTH cannot be done here or the server refused it (transient)
   */
  static void authenticate(
      ClientConnection connection,
      SmtpCredentials credentials,
      Map<String, String> extensions,
      boolean hasTls,
      DeliveryStatus.RemoteMta remoteMta)
      throws IOException, OutboundException {
    String server = connection.server();
    if (!hasTls) {
      // RFC 4954 §4 and RFC 8314 §5: never a password in plaintext.
      throw new OutboundException(DeliveryReasons.tlsNotOffered("refusing to send credentials to " + server + " without TLS").at(remoteMta), null);
    }
    String offered = extensions.get("AUTH");
    if (offered == null) {
      throw new OutboundException(DeliveryReasons.authenticationFailed(server + " does not offer AUTH, and credentials are configured for it").at(remoteMta), null);
    }
    Set<String> mechanisms = Set.of(offered.toUpperCase(Locale.ROOT).split("\\s+"));
    // A refused AUTH is transient, as Postfix's smtp_sasl_auth_soft_bounce: wrong or expired
    // credentials are ours to fix, and the mail should wait rather than bounce.
    SmtpReply reply;
    if (mechanisms.contains("PLAIN")) {
      // RFC 4616 §2: message = [authzid] NUL authcid NUL passwd, sent as RFC 4954 §4 initial response.
      byte[] user = credentials.user().getBytes(StandardCharsets.UTF_8);
      byte[] password = utf8(credentials.password());
      byte[] message = new byte[user.length + password.length + 2];
      System.arraycopy(user, 0, message, 1, user.length);
      System.arraycopy(password, 0, message, user.length + 2, password.length);
      byte[] encoded = Base64.getEncoder().encode(message);
      Arrays.fill(password, (byte) 0);
      Arrays.fill(message, (byte) 0);
      reply = connection.secretCommand("AUTH PLAIN ", encoded, "AUTH PLAIN");
    } else if (mechanisms.contains("LOGIN")) {
      reply = connection.command("AUTH LOGIN", "AUTH LOGIN");
      if (reply.code() == 334) {
        reply = connection.secretCommand(
            "", Base64.getEncoder().encode(credentials.user().getBytes(StandardCharsets.UTF_8)), "AUTH LOGIN user name");
        if (reply.code() == 334) {
          byte[] password = utf8(credentials.password());
          byte[] encoded = Base64.getEncoder().encode(password);
          Arrays.fill(password, (byte) 0);
          reply = connection.secretCommand("", encoded, "AUTH LOGIN password");
        }
      }
    } else {
      throw new OutboundException(DeliveryReasons.authenticationFailed(
          server + " offers AUTH " + offered + ", none of which we use (PLAIN, LOGIN)").at(remoteMta), null);
    }
    if (reply.code() == 334) {
      // RFC 4954 §4: "*" cancels an exchange the server wants to continue.
      connection.command("*", "AUTH cancel");
      throw new OutboundException(DeliveryReasons.authenticationFailed(server + " asked for more AUTH steps than the mechanism has: " + reply).at(remoteMta), null);
    }
    if (reply.code() != 235) {
      // Our credentials, not the message: deferred whatever the class, so a fixed password still delivers.
      throw new OutboundException(reply.deferral(remoteMta, EnhancedStatus.of(4, 7, 8)), null);
    }
  }

  private static byte[] utf8(char[] chars) throws OutboundException {
    // The message names no part of the password.
    return Utf8.encodeSecretStrictly(chars).orElseThrow(
        () -> new OutboundException(DeliveryReasons.misconfigured("the configured SMTP password is not valid UTF-16 text"), null));
  }
}
