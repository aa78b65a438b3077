package dev.hikyaku.auth.sasl;

import dev.hikyaku.auth.credential.HmacSha256;
import dev.hikyaku.auth.credential.SaslPrep;
import dev.hikyaku.auth.credential.ScramCredential;
import dev.hikyaku.auth.credential.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The server side of one SCRAM-SHA-256 or SCRAM-SHA-256-PLUS exchange (RFC 5802 §5, RFC 7677), with
 * RFC 9266 {@code tls-exporter} channel binding. Sans-I/O: the session decodes each SASL response
 * (base64, then strictly as UTF-8) and hands the text here; it sends back what comes out.
 *
 * <pre>
 *   clientFirst(client-first-message)  → Username | Failure
 *   serverFirst(credential)            → server-first-message
 *   clientFinal(client-final-message)  → ServerFinal("v=...") | Failure
 * </pre>
 *
 * <p>One instance per exchange, on one thread. Every {@link Step.Failure} ends the exchange;
 * calling a step out of order is a bug and throws {@link IllegalStateException}.
 *
 * <p>Unknown users: the session passes {@link #dummyFor} instead of a real credential, and the
 * exchange runs to the end and fails with {@code invalid-proof}, as a wrong password does (RFC 5802
 * §5.1 lets a server hide which usernames exist this way).
 *
 * <p>The messages are parsed here (RFC 5802 §7 grammar); HMAC-SHA-256 and SHA-256 are the JDK's;
 * SASLprep of the username is {@code com.ongres.stringprep:saslprep}.
 */
public final class ScramServer {

  /** RFC 9266 §2: the channel binding type for TLS 1.3, from the exporter. */
  public static final String TLS_EXPORTER = "tls-exporter";

  /** RFC 9266 §2: the exporter value is 32 bytes (label "EXPORTER-Channel-Binding", no context). */
  public static final int TLS_EXPORTER_BYTES = 32;

  /** Random bytes in the server's part of the nonce: 144 bits, 24 base64 characters. */
  static final int NONCE_BYTES = 18;

  // RFC 5802 §7: cb-name = 1*(ALPHA / DIGIT / "." / "-")
  private static final Pattern CB_NAME = Pattern.compile("[A-Za-z0-9.-]+");
  // RFC 5802 §7: printable = %x21-2B / %x2D-7E  (no comma); c-nonce = printable+
  private static final Pattern NONCE = Pattern.compile("[\\x21-\\x2B\\x2D-\\x7E]+");
  // RFC 5802 §7: attr-val = ALPHA "=" value; value = 1*value-char (any UTF-8 but NUL and ",")
  private static final Pattern EXTENSION = Pattern.compile("[A-Za-z]=[^\\x00,]+");

  private enum Stage {
    AWAITING_CLIENT_FIRST,
    AWAITING_CREDENTIAL,
    AWAITING_CLIENT_FINAL,
    FINISHED
  }

  /** One step's outcome. */
  public sealed interface Step {

    /**
     * client-first-message was acceptable.
     *
     * @param authcid the username after =2C/=3D decoding and SASLprep (RFC 5802 §5.1, as a query
     *     string), the account to look up
     * @param authzid the identity to act as, when the client named one (=2C/=3D decoded only)
     */
    record Username(String authcid, Optional<String> authzid) implements Step {}

    /**
     * The client proved its identity; send {@code message} ({@code v=<ServerSignature>}).
     *
     * @param message server-final-message
     */
    record ServerFinal(String message) implements Step {}

    /**
     * The exchange failed and is over.
     *
     * @param reason for the log: what was wrong, never a secret
     * @param serverError RFC 5802 §7 server-error-value, when one applies
     */
    record Failure(String reason, Optional<String> serverError) implements Step {}
  }

  private final boolean isPlus;
  private final Optional<byte[]> channelBinding;
  private final Supplier<String> serverNonce;

  private Stage stage = Stage.AWAITING_CLIENT_FIRST;
  private String gs2Header;
  private boolean isBinding;
  private String clientFirstBare;
  private String clientNonce;
  private String serverFirst;
  private String nonce;
  private ScramCredential credential;

  /**
   * @param isPlus the client chose SCRAM-SHA-256-PLUS
   * @param channelBinding the 32-byte TLS exporter value (RFC 9266) when the connection is on TLS
   *     1.3, else empty. Present means the server advertised SCRAM-SHA-256-PLUS: a client that then
   *     says "y" (it thinks the server cannot bind) is being downgraded and is refused.
   * @param nonceRandom source of the server nonce's {@value #NONCE_BYTES} random bytes (a {@link
   *     java.security.SecureRandom} outside tests)
   */
  public ScramServer(boolean isPlus, Optional<byte[]> channelBinding, RandomGenerator nonceRandom) {
    this(isPlus, channelBinding, () -> randomNonce(nonceRandom));
  }

  /** With a fixed server nonce, to replay a published transcript (RFC 7677 §3). */
  ScramServer(boolean isPlus, Optional<byte[]> channelBinding, Supplier<String> serverNonce) {
    channelBinding.ifPresent(
        value -> {
          if (value.length != TLS_EXPORTER_BYTES) {
            throw new IllegalArgumentException(
                "a tls-exporter channel binding is "
                    + TLS_EXPORTER_BYTES
                    + " bytes (RFC 9266 §2), got "
                    + value.length);
          }
        });
    this.isPlus = isPlus;
    this.channelBinding = channelBinding.map(byte[]::clone);
    this.serverNonce = serverNonce;
  }

  /**
   * Parses client-first-message (RFC 5802 §5.1, §7): {@code gs2-cbind-flag "," [authzid] ","
   * [reserved-mext ","] username "," nonce ["," extensions]}.
   */
  public Step clientFirst(String message) {
    expect(Stage.AWAITING_CLIENT_FIRST, "clientFirst");
    stage = Stage.FINISHED;
    Step step = readClientFirst(message);
    if (step instanceof Step.Username) {
      stage = Stage.AWAITING_CREDENTIAL;
    }
    return step;
  }

  /**
   * server-first-message for {@code credential}: {@code r=<client nonce><server
   * nonce>,s=<salt>,i=<count>} (RFC 5802 §5.1). Pass {@link #dummyFor} when the account does not
   * exist or has no SCRAM credential, so the answer looks the same.
   */
  public String serverFirst(ScramCredential credential) {
    expect(Stage.AWAITING_CREDENTIAL, "serverFirst");
    String suffix = serverNonce.get();
    if (!NONCE.matcher(suffix).matches()) {
      throw new IllegalStateException(
          "server nonce is not printable ASCII without ',' (RFC 5802 §7)");
    }
    this.credential = credential;
    this.nonce = clientNonce + suffix;
    this.serverFirst =
        "r="
            + nonce
            + ",s="
            + Base64.getEncoder().encodeToString(credential.salt())
            + ",i="
            + credential.iterations();
    stage = Stage.AWAITING_CLIENT_FINAL;
    return serverFirst;
  }

  /**
   * Verifies client-final-message (RFC 5802 §5.1, §7): {@code channel-binding "," nonce [","
   * extensions] "," proof}: the channel binding against what this side saw, the nonce against ours,
   * and the proof against StoredKey.
   */
  public Step clientFinal(String message) {
    expect(Stage.AWAITING_CLIENT_FINAL, "clientFinal");
    stage = Stage.FINISHED;
    int proofAt = message.lastIndexOf(",p=");
    if (proofAt < 0) {
      return failure("client-final-message has no proof", "invalid-encoding");
    }
    String withoutProof = message.substring(0, proofAt);
    String[] attributes = withoutProof.split(",", -1);
    if (attributes.length < 2
        || !attributes[0].startsWith("c=")
        || !attributes[1].startsWith("r=")
        || !areExtensions(attributes, 2)) {
      return failure("client-final-message is malformed", "invalid-encoding");
    }
    Optional<byte[]> binding = base64(attributes[0].substring(2));
    Optional<byte[]> proof = base64(message.substring(proofAt + 3));
    if (binding.isEmpty() || proof.isEmpty()) {
      return failure("client-final-message has bad base64", "invalid-encoding");
    }
    // RFC 5802 §5.1 "c": base64 of the GS2 header, then the channel binding data when the flag
    // was "p". Checked before the proof: a mismatch here means someone in the middle.
    if (!MessageDigest.isEqual(binding.get(), expectedBinding())) {
      return failure(
          "channel binding does not match this connection", "channel-bindings-dont-match");
    }
    if (!attributes[1].substring(2).equals(nonce)) {
      return failure("client-final-message nonce is not the one this exchange set", "other-error");
    }
    // RFC 5802 §3: AuthMessage := client-first-message-bare + "," + server-first-message + ","
    //                             + client-final-message-without-proof
    byte[] authMessage =
        (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    byte[] storedKey = credential.storedKey();
    byte[] clientProof = proof.get();
    if (clientProof.length != storedKey.length) {
      return failure("client proof has the wrong length", "invalid-proof");
    }
    // ClientKey := ClientProof XOR HMAC(StoredKey, AuthMessage); valid when H(ClientKey) =
    // StoredKey.
    byte[] clientKey = HmacSha256.mac(storedKey, authMessage);
    for (int i = 0; i < clientKey.length; i++) {
      clientKey[i] ^= clientProof[i];
    }
    byte[] candidate = Sha256.digest(clientKey);
    Arrays.fill(clientKey, (byte) 0);
    if (!MessageDigest.isEqual(candidate, storedKey)) {
      return failure("client proof does not verify", "invalid-proof");
    }
    // ServerSignature := HMAC(ServerKey, AuthMessage)
    byte[] serverSignature = HmacSha256.mac(credential.serverKey(), authMessage);
    return new Step.ServerFinal("v=" + Base64.getEncoder().encodeToString(serverSignature));
  }

  /**
   * A credential for an account that does not exist (or has no SCRAM credential), so the exchange
   * can run to its end and fail like a wrong password. Deterministic per username — a repeated
   * probe sees the same salt and count — and derived from {@code serverSecret} by HMAC-SHA-256, so
   * the salt cannot be told from a real one. StoredKey is a pseudo-random value: matching it means
   * finding a SHA-256 preimage, so no password verifies.
   *
   * @param serverSecret at least 32 bytes, kept by the server and stable across restarts
   * @param iterations the count real credentials use, so {@code i=} gives nothing away
   */
  public static ScramCredential dummyFor(String username, byte[] serverSecret, int iterations) {
    HmacSha256.requireKey(serverSecret, "SCRAM dummy-credential secret");
    byte[] user = username.getBytes(StandardCharsets.UTF_8);
    byte[] salt =
        Arrays.copyOf(
            HmacSha256.mac(
                serverSecret,
                "hikyaku SCRAM dummy salt\0".getBytes(StandardCharsets.US_ASCII),
                user),
            ScramCredential.SALT_BYTES);
    byte[] storedKey =
        HmacSha256.mac(
            serverSecret,
            "hikyaku SCRAM dummy StoredKey\0".getBytes(StandardCharsets.US_ASCII),
            user);
    byte[] serverKey =
        HmacSha256.mac(
            serverSecret,
            "hikyaku SCRAM dummy ServerKey\0".getBytes(StandardCharsets.US_ASCII),
            user);
    return new ScramCredential(salt, iterations, storedKey, serverKey);
  }

  @Override
  public String toString() {
    return "ScramServer[" + (isPlus ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256") + ", " + stage + "]";
  }

  private Step readClientFirst(String message) {
    int flagEnd = message.indexOf(',');
    int authzidEnd = flagEnd < 0 ? -1 : message.indexOf(',', flagEnd + 1);
    if (authzidEnd < 0) {
      return failure("client-first-message has no GS2 header", "invalid-encoding");
    }
    String flag = message.substring(0, flagEnd);
    String authzidField = message.substring(flagEnd + 1, authzidEnd);

    Optional<Refusal> refused = checkChannelBindingFlag(flag);
    if (refused.isPresent()) {
      return refused.get().step();
    }

    Optional<String> authzid = Optional.empty();
    if (!authzidField.isEmpty()) {
      // RFC 5802 §7: authzid = "a=" saslname
      Optional<String> decoded =
          authzidField.startsWith("a=") ? saslName(authzidField.substring(2)) : Optional.empty();
      if (decoded.isEmpty()) {
        return failure("authzid is malformed", "invalid-encoding");
      }
      authzid = decoded;
    }

    String bare = message.substring(authzidEnd + 1);
    String[] attributes = bare.split(",", -1);
    // RFC 5802 §5.1 "m": reserved for mandatory extensions; a server that sees it MUST fail.
    if (attributes[0].startsWith("m=")) {
      return failure("client sent a mandatory extension (m=)", "extensions-not-supported");
    }
    if (attributes.length < 2
        || !attributes[0].startsWith("n=")
        || !attributes[1].startsWith("r=")
        || !areExtensions(attributes, 2)) {
      return failure("client-first-message-bare is malformed", "invalid-encoding");
    }
    String nonceValue = attributes[1].substring(2);
    if (!NONCE.matcher(nonceValue).matches()) {
      return failure("client nonce is not printable ASCII", "invalid-encoding");
    }
    // RFC 5802 §5.1: the server prepares the username with SASLprep "treating it as a query
    // string (i.e., unassigned Unicode codepoints are allowed)"; empty after that is refused.
    Optional<String> username =
        saslName(attributes[0].substring(2)).flatMap(SaslPrep::prepareQuery);
    if (username.isEmpty()) {
      return failure(
          "username is not a valid saslname under SASLprep", "invalid-username-encoding");
    }

    this.gs2Header = message.substring(0, authzidEnd + 1);
    this.clientFirstBare = bare;
    this.clientNonce = nonceValue;
    return new Step.Username(username.get(), authzid);
  }

  /** RFC 5802 §6 and §7 on gs2-cbind-flag, with RFC 9266 {@code tls-exporter} the only type. */
  private Optional<Refusal> checkChannelBindingFlag(String flag) {
    switch (flag) {
      case "n" -> {
        // The client does not bind. Fine for SCRAM-SHA-256; -PLUS is defined as binding.
        if (isPlus) {
          return Optional.of(new Refusal("SCRAM-SHA-256-PLUS chosen but flag is n", "other-error"));
        }
        isBinding = false;
        return Optional.empty();
      }
      case "y" -> {
        // RFC 5802 §6: "y" says the client could bind but believes the server cannot. If we
        // advertised -PLUS, someone removed it on the way: "the server MUST fail authentication".
        if (channelBinding.isPresent()) {
          return Optional.of(
              new Refusal(
                  "client says y although -PLUS was offered (downgrade)",
                  "server-does-support-channel-binding"));
        }
        if (isPlus) {
          return Optional.of(new Refusal("SCRAM-SHA-256-PLUS chosen but flag is y", "other-error"));
        }
        isBinding = false;
        return Optional.empty();
      }
      default -> {
        if (!flag.startsWith("p=") || !CB_NAME.matcher(flag.substring(2)).matches()) {
          return Optional.of(new Refusal("gs2-cbind-flag is malformed", "invalid-encoding"));
        }
        String type = flag.substring(2);
        if (!type.equals(TLS_EXPORTER)) {
          return Optional.of(
              new Refusal(
                  "unsupported channel binding type " + type, "unsupported-channel-binding-type"));
        }
        if (!isPlus) {
          return Optional.of(
              new Refusal("channel binding requested in SCRAM-SHA-256, not -PLUS", "other-error"));
        }
        if (channelBinding.isEmpty()) {
          return Optional.of(
              new Refusal(
                  "SCRAM-SHA-256-PLUS without a TLS 1.3 exporter value",
                  "channel-binding-not-supported"));
        }
        isBinding = true;
        return Optional.empty();
      }
    }
  }

  private byte[] expectedBinding() {
    byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
    if (!isBinding) {
      return header;
    }
    byte[] data = channelBinding.orElseThrow();
    byte[] expected = Arrays.copyOf(header, header.length + data.length);
    System.arraycopy(data, 0, expected, header.length, data.length);
    return expected;
  }

  private void expect(Stage required, String step) {
    if (stage != required) {
      throw new IllegalStateException(step + " called while " + stage);
    }
  }

  private static Step failure(String reason, String serverError) {
    return new Step.Failure(reason, Optional.of(serverError));
  }

  private record Refusal(String reason, String serverError) {
    Step step() {
      return failure(reason, serverError);
    }
  }

  private static boolean areExtensions(String[] attributes, int from) {
    for (int i = from; i < attributes.length; i++) {
      if (!EXTENSION.matcher(attributes[i]).matches()) {
        return false;
      }
    }
    return true;
  }

  /**
   * RFC 5802 §7: saslname = 1*(value-safe-char / "=2C" / "=3D"); "=" followed by anything else is
   * an error, and so is an empty name.
   */
  static Optional<String> saslName(String text) {
    if (text.isEmpty() || text.indexOf('\0') >= 0) {
      return Optional.empty();
    }
    StringBuilder decoded = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '=') {
        decoded.append(c);
      } else if (text.startsWith("2C", i + 1)) {
        decoded.append(',');
        i += 2;
      } else if (text.startsWith("3D", i + 1)) {
        decoded.append('=');
        i += 2;
      } else {
        return Optional.empty();
      }
    }
    return Optional.of(decoded.toString());
  }

  private static Optional<byte[]> base64(String text) {
    try {
      return Optional.of(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException notBase64) {
      // Expected for hostile input; the caller turns it into a Failure step.
      return Optional.empty();
    }
  }

  private static String randomNonce(RandomGenerator random) {
    byte[] bytes = new byte[NONCE_BYTES];
    random.nextBytes(bytes);
    // 18 bytes are 24 base64 characters without padding: printable, no ',' (RFC 5802 §7).
    return Base64.getEncoder().encodeToString(bytes);
  }
}
