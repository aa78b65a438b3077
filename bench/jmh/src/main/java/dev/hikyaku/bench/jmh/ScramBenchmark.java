package dev.hikyaku.bench.jmh;

import dev.hikyaku.auth.credential.ScramCredential;
import dev.hikyaku.auth.sasl.ScramServer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The server side of a full SCRAM-SHA-256 exchange ({@link ScramServer}: client-first, server-first,
 * client-final with proof verification and the server signature) for a credential with 4096
 * iterations. The server never runs PBKDF2 at login (it keeps StoredKey and ServerKey), so this is
 * parsing, SASLprep of the user name and three HMAC/SHA-256 computations. The client's messages
 * are computed once in setup: the server nonce comes from a generator that always gives the same
 * bytes, so the client-final message stays valid for every exchange.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ScramBenchmark {

  private static final String PASSWORD = "correct horse battery staple";
  private static final String CLIENT_FIRST_BARE = "n=user@example.com,r=fyko+d2lbbFgONRv9qkxdawL";

  /** Always the same bytes: the server nonce is then fixed, and so is the valid proof. */
  private static final RandomGenerator FIXED =
      new RandomGenerator() {
        @Override
        public long nextLong() {
          return 0x5DEECE66DL;
        }
      };

  private ScramCredential credential;
  private String clientFinal;

  @Setup
  public void prepare() throws GeneralSecurityException {
    credential = ScramCredential.derive(PASSWORD.toCharArray(), 4096, new SplittableRandom(7));
    ScramServer server = new ScramServer(false, Optional.empty(), FIXED);
    server.clientFirst("n,," + CLIENT_FIRST_BARE);
    String serverFirst = server.serverFirst(credential);
    String nonce = serverFirst.substring(2, serverFirst.indexOf(','));
    String withoutProof = "c=biws,r=" + nonce;
    byte[] authMessage = (CLIENT_FIRST_BARE + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    // RFC 5802 §3, the client's side: SaltedPassword, ClientKey, StoredKey, ClientProof.
    byte[] salted =
        SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
            .generateSecret(new PBEKeySpec(PASSWORD.toCharArray(), credential.salt(), credential.iterations(), 256))
            .getEncoded();
    byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
    byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
    byte[] proof = hmac(storedKey, authMessage);
    for (int i = 0; i < proof.length; i++) {
      proof[i] ^= clientKey[i];
    }
    clientFinal = withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    exchange(); // fails here, in setup, if the proof does not verify
  }

  @Benchmark
  public String exchange() {
    ScramServer server = new ScramServer(false, Optional.empty(), FIXED);
    server.clientFirst("n,," + CLIENT_FIRST_BARE);
    server.serverFirst(credential);
    if (!(server.clientFinal(clientFinal) instanceof ScramServer.Step.ServerFinal done)) {
      throw new IllegalStateException("SCRAM proof did not verify");
    }
    return done.message();
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }
}
