package dev.hikyaku.app;

import static dev.hikyaku.app.AccountCommands.address;
import static dev.hikyaku.app.AccountCommands.time;

import dev.hikyaku.app.AccountCommands.StoreCommand;
import dev.hikyaku.auth.Totp;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.ConsoleAdmin;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hikyaku admin}: the accounts that may sign in to the operators' console, each with a TOTP
 * second factor (RFC 6238) whose secret is shown once, as an otpauth URI for an authenticator app.
 */
final class ConsoleAdminCommands {

  private ConsoleAdminCommands() {}

  @Command(
      name = "admin",
      description = "Accounts that may sign in to the operators' console, with a TOTP second factor (RFC 6238).",
      subcommands = {Add.class, ListAdmins.class, Remove.class})
  static final class Admins implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Let an account sign in to the console; prints its TOTP secret once, as an otpauth URI.")
  static final class Add extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      if (accounts.find(login).isEmpty()) {
        throw new Main.UserError("account " + login + " not found (hikyaku user add it first)");
      }
      byte[] secret = Totp.newSecret(new SecureRandom());
      store.consoleAdmins().add(login, secret);
      changed("admin add", login, "");
      Totp totp = Totp.standard();
      out.println(login + " may sign in to the console with its password and a code from an authenticator app.");
      out.println("Add this to the app now (shown once; a QR code of the URI, or the secret typed in):");
      out.println(totp.uri("Hikyaku " + effective.hostname(), login, secret));
      out.println("secret: " + Totp.base32(secret));
    }
  }

  @Command(name = "list", description = "List the console admins (never their secrets).")
  static final class ListAdmins extends StoreCommand {
    @Option(names = "--json", description = "One JSON array, for scripts.") boolean isJson;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      List<ConsoleAdmin> admins = store.consoleAdmins().list();
      if (isJson) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ConsoleAdmin admin : admins) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("account", admin.address());
          row.put("since", admin.createdAt());
          row.put("signed_in", admin.lastStep() > 0);
          rows.add(row);
        }
        CliJson.print(out, rows);
        return;
      }
      out.printf("%-40s  %-20s  %s%n", "ACCOUNT", "SINCE", "SECOND FACTOR USED");
      for (ConsoleAdmin admin : admins) {
        out.printf("%-40s  %-20s  %s%n", TerminalText.visible(admin.address()), time(admin.createdAt()), admin.lastStep() > 0 ? "yes" : "not yet");
      }
    }
  }

  @Command(name = "remove", description = "Take the console away from an account (its mail account stays).")
  static final class Remove extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      store.consoleAdmins().remove(login);
      changed("admin remove", login, "");
      out.println(login + " may no longer sign in to the console");
    }
  }
}
