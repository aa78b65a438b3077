package dev.hikyaku.mailauth;

import dev.hikyaku.dns.TestDnsServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A case file of {@code src/test/resources/mailauth/}: {@code zone} lines the test DNS server
 * serves, and {@code case} lines, each ending in "| the RFC section it checks".
 */
record ZoneCases(List<String[]> zone, List<Case> cases) {

  /** One case: its fields, and the RFC section with what it shows. */
  record Case(List<String> fields, String rule) {}

  static ZoneCases load(String file) throws IOException {
    List<String[]> zone = new ArrayList<>();
    List<Case> cases = new ArrayList<>();
    try (InputStream in = ZoneCases.class.getResourceAsStream("/mailauth/" + file)) {
      if (in == null) {
        throw new IllegalArgumentException("no case file /mailauth/" + file);
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        if (line.startsWith("zone ")) {
          zone.add(line.substring(5).split(" ", 3));
        } else if (line.startsWith("case ")) {
          int bar = line.indexOf(" | ");
          if (bar < 0) {
            throw new IllegalArgumentException(file + ": a case names its RFC section after ' | ': " + line);
          }
          cases.add(new Case(List.of(line.substring(5, bar).trim().split("\\s+")), line.substring(bar + 3).trim()));
        } else {
          throw new IllegalArgumentException(file + ": not a zone or case line: " + line);
        }
      }
    }
    return new ZoneCases(List.copyOf(zone), List.copyOf(cases));
  }

  /** Serves the zone lines from {@code dns}. */
  void serve(TestDnsServer dns) {
    for (String[] record : zone) {
      switch (record[0]) {
        case "txt" -> dns.txt(record[1], record[2]);
        case "a" -> dns.a(record[1], record[2]);
        case "aaaa" -> dns.aaaa(record[1], record[2]);
        case "mx" -> {
          String[] mx = record[2].split(" ");
          dns.mx(record[1], Integer.parseInt(mx[0]), mx[1]);
        }
        case "servfail" -> dns.servfail(record[1]);
        default -> throw new IllegalArgumentException("unknown zone record type " + record[0]);
      }
    }
  }
}
