package dev.hikyaku.bench.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where the benchmarks that need a large store keep it: filled once, under {@code hikyaku.bench.dir}
 * (run.sh: bench/target/jmh-store), and read by every later run.
 */
final class StoreFiles {

  private StoreFiles() {}

  /** The directory of the store named {@code name}; not created here. */
  static Path directory(String name) {
    return Path.of(System.getProperty("hikyaku.bench.dir", "bench/target/jmh-store")).toAbsolutePath().resolve(name);
  }

  /** Deletes {@code directory} and everything in it (an interrupted fill, a used copy). */
  static void delete(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
