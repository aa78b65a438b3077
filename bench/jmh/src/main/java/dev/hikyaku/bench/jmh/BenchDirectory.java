package dev.hikyaku.bench.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh directory for a benchmark's store under {@code hikyaku.bench.dir} (bench/target, a real
 * disk, not tmpfs: run.sh sets it), deleted with everything in it afterwards.
 */
final class BenchDirectory {

  private BenchDirectory() {}

  static Path create(String prefix) throws IOException {
    Path parent = Path.of(System.getProperty("hikyaku.bench.dir", "bench/target/jmh-store"));
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent.toAbsolutePath(), prefix);
  }

  static void delete(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
