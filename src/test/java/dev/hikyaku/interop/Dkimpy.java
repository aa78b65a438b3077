package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.mailauth.DkimKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * dkimpy (Debian's python3-dkim), a DKIM implementation nobody here wrote, run over a message by
 * {@code interop/dkim_verify.py}: the key records it would fetch from DNS are handed to its {@code
 * dnsfunc} from a file, so no test needs the network. Its Python is the interpreter of python3-dkim's
 * own {@code dkimverify} script, the one that has the module whatever {@code python3} is first on
 * PATH.
 *
 * @param python the Python that has the {@code dkim} module
 * @param script the verifying script, written by {@link #install}
 */
record Dkimpy(ExternalTool python, Path script) {

  /** Finds dkimpy's Python and writes the verifying script to {@code directory}. */
  static Dkimpy install(Path directory) throws IOException {
    ExternalTool python = ExternalTool.interpreterOf("dkimverify", "python3-dkim");
    return new Dkimpy(python, copy("dkim_verify.py", directory));
  }

  /** Writes the test resource {@code interop/name} to {@code directory}. */
  static Path copy(String name, Path directory) throws IOException {
    try (InputStream in = Dkimpy.class.getResourceAsStream("/interop/" + name)) {
      assertThat(in).as("interop/%s on the test class path", name).isNotNull();
      return Files.write(directory.resolve(name), in.readAllBytes());
    }
  }

  /**
   * Runs dkimpy over every DKIM-Signature of {@code message}, with {@code keys}' TXT records as its
   * DNS (files in {@code directory}). Exit code 0 only when there is a signature and every one
   * verifies; the output has a line per signature and {@code "N of M signatures verify"}.
   */
  ExternalTool.Run verify(Path directory, byte[] message, List<DkimKey> keys) throws IOException {
    Path file = Files.write(Files.createTempFile(directory, "message", ".eml"), message);
    StringBuilder records = new StringBuilder();
    for (DkimKey key : keys) {
      records.append(key.recordName()).append('\t').append(key.record()).append('\n');
    }
    Path dns = Files.writeString(Files.createTempFile(directory, "records", ".tsv"), records.toString());
    return python.run("-I", script.toString(), file.toString(), dns.toString());
  }
}
