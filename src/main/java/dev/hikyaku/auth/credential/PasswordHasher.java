package dev.hikyaku.auth.credential;

import com.password4j.Argon2Function;
import com.password4j.types.Argon2;
import dev.hikyaku.protocol.Utf8;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Argon2id (RFC 9106) for human passwords, stored as PHC strings. Deliberately slow: the cost is
 * what an attacker with a copy of the store pays per guess.
 *
 * <p>The Argon2 core is password4j's {@link Argon2Function}; the PHC string is written and parsed
 * here ({@link Argon2Phc}) so that malformed input never reaches the library and the comparison is
 * our own constant-time one.
 *
 * <p>Passwords are prepared with SASLprep (RFC 4013, the profile RFC 4616 §2 names for PLAIN)
 * before hashing, so "the same password" means the same thing here as in SCRAM. A password SASLprep
 * rejects (prohibited or unassigned code points) is hashed as its raw UTF-8 instead, the rule
 * PostgreSQL uses: such a password stays usable, consistently, for PLAIN and LOGIN. (Such a
 * password has no SCRAM credential: RFC 5802 §2.2 allows none.)
 *
 * <p>Thread-safe.
 */
public final class PasswordHasher {

  private static final Logger LOG = LoggerFactory.getLogger(PasswordHasher.class);

  /** RFC 9106 §4: "Select the salt length. A length of 128 bits is sufficient". */
  static final int SALT_BYTES = 16;

  /**
   * RFC 9106 §4: "Select the tag length. 128 bits is sufficient ..."; 256 bits, as libargon2's CLI.
   */
  static final int TAG_BYTES = 32;

  private final Argon2Parameters parameters;
  private final SecureRandom random = new SecureRandom();

  /**
   * A PHC string nobody knows a password for (random salt and random tag), verified against by
   * {@link #verifyDummy} so that an unknown account costs what a known one does.
   */
  private final String dummy;

  public PasswordHasher(Argon2Parameters parameters) {
    this.parameters = parameters;
    byte[] salt = new byte[SALT_BYTES];
    byte[] tag = new byte[TAG_BYTES];
    random.nextBytes(salt);
    random.nextBytes(tag);
    this.dummy = new Argon2Phc(parameters, salt, tag).format();
  }

  /**
   * Hashes {@code password} with a fresh 16-byte salt from {@link SecureRandom}.
   *
   * @return {@code $argon2id$v=19$m=...,t=...,p=...$<salt>$<tag>}
   * @throws IllegalArgumentException if the password is empty
   */
  public String hash(char[] password) {
    if (password.length == 0) {
      throw new IllegalArgumentException("an empty password cannot be set");
    }
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] tag = argon2id(password, parameters, salt, TAG_BYTES);
    try {
      return new Argon2Phc(parameters, salt, tag).format();
    } finally {
      Arrays.fill(tag, (byte) 0);
    }
  }

  /**
   * Whether {@code password} is the one {@code phc} was made from. A malformed {@code phc} gives
   * {@code false} (and a warning naming no content), never an exception.
   */
  public boolean verify(char[] password, String phc) {
    Optional<Argon2Phc> parsed = Argon2Phc.parse(phc);
    if (parsed.isEmpty()) {
      LOG.warn(
          "stored password hash is not an Argon2id PHC string this server accepts; verification"
              + " fails");
      return false;
    }
    Argon2Phc stored = parsed.get();
    byte[] expected = stored.tag();
    byte[] actual = argon2id(password, stored.parameters(), stored.salt(), expected.length);
    try {
      return MessageDigest.isEqual(actual, expected);
    } finally {
      Arrays.fill(actual, (byte) 0);
    }
  }

  /**
   * Burns the same time as a real {@link #verify} at the current parameters, for unknown accounts,
   * so that response time does not tell which accounts exist. It runs {@code verify} itself — the
   * same parse, the same Argon2id, the same comparison — against a PHC string with a random tag no
   * password produces. (Accounts still hashed with older, cheaper parameters verify faster until
   * {@link #needsRehash} has upgraded them.)
   */
  public void verifyDummy(char[] password) {
    boolean ignored = verify(password, dummy);
    if (ignored) {
      // 2^-256: a random tag matched. Not a success either way: there is no such account.
      LOG.debug("dummy verification matched by chance");
    }
  }

  /**
   * Whether {@code phc} should be replaced by {@link #hash} at the next successful login: it is
   * malformed, or was made with less memory or fewer passes than the current parameters, or with a
   * shorter salt or tag than this class writes.
   */
  public boolean needsRehash(String phc) {
    Optional<Argon2Phc> parsed = Argon2Phc.parse(phc);
    if (parsed.isEmpty()) {
      return true;
    }
    Argon2Phc stored = parsed.get();
    return stored.parameters().isWeakerThan(parameters)
        || stored.salt().length < SALT_BYTES
        || stored.tag().length < TAG_BYTES;
  }

  /** The PHC string {@link #verifyDummy} verifies against, for tests of that path. */
  String dummyPhc() {
    return dummy;
  }

  @Override
  public String toString() {
    return "PasswordHasher[argon2id " + parameters + "]";
  }

  private static byte[] argon2id(
      char[] password, Argon2Parameters parameters, byte[] salt, int tagBytes) {
    byte[] octets = prepared(password);
    try {
      Argon2Function function =
          Argon2Function.getInstance(
              parameters.memoryKiB(),
              parameters.iterations(),
              parameters.parallelism(),
              tagBytes,
              Argon2.ID,
              Argon2Phc.VERSION);
      return function.hash(octets, salt).getBytes();
    } finally {
      Arrays.fill(octets, (byte) 0);
    }
  }

  /** SASLprep'd UTF-8, or raw UTF-8 when SASLprep refuses the password (see class comment). */
  static byte[] prepared(char[] password) {
    Optional<char[]> normalized = SaslPrep.prepareStored(password);
    if (normalized.isEmpty()) {
      return Utf8.encodeSecret(password);
    }
    try {
      return Utf8.encodeSecret(normalized.get());
    } finally {
      Arrays.fill(normalized.get(), '\0');
    }
  }
}
