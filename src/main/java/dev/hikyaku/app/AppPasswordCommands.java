package dev.hikyaku.app;

import static dev.hikyaku.app.AccountCommands.address;
import static dev.hikyaku.app.AccountCommands.time;

import dev.hikyaku.app.AccountCommands.StoreCommand;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.AppPassword;
import dev.hikyaku.store.Names;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hikyaku app-password}: generated passwords of an account, shown once. */
final class AppPasswordCommands {

  private AppPasswordCommands() {}


  @Command(
      name = "app-password",
      description = "Generated passwords for mail clients that cannot do OAuth (shown once, revocable).",
      subcommands = {AppPasswordAdd.class, AppPasswordList.class, AppPasswordRevoke.class})
  static final class AppPasswords implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Generate a new app password; it is printed once and never again.")
  static final class AppPasswordAdd extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ADDRESS") String address;
    @Parameters(index = "1", paramLabel = "NAME", description = "What it is for, e.g. laptop-thunderbird.") String name;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new Main.UserError("app password names are 1-64 of A-Z a-z 0-9 . _ -, was '" + name + "'");
      }
      if (accounts.find(login).isEmpty()) {
        throw new Main.UserError("account " + login + " not found");
      }
      String secret = GeneratedSecrets.newAppPassword(new SecureRandom());
      store.appPasswords().add(login, name, GeneratedSecrets.keyedHash(store.serverSecret().value(), secret));
      changed("app-password add", login, name);
      out.println("app password '" + name + "' for " + login + " (shown once; store it in the mail client now):");
      out.println(secret);
    }
  }

  @Command(name = "list", description = "List an account's app passwords (never the secrets).")
  static final class AppPasswordList extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      out.printf("%-24s  %-20s  %-20s  %s%n", "NAME", "CREATED", "LAST USED", "STATE");
      String login = address(address);
      for (AppPassword p : store.appPasswords().list(login)) {
        out.printf(
            "%-24s  %-20s  %-20s  %s%n",
            p.name(),
            time(p.createdAt()),
            p.lastUsedAt().map(AccountCommands::time).orElse("never"),
            p.isActive() ? "active" : "revoked " + time(p.revokedAt().orElseThrow()));
      }
    }
  }

  @Command(name = "revoke", description = "Revoke an app password at once.")
  static final class AppPasswordRevoke extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ADDRESS") String address;
    @Parameters(index = "1", paramLabel = "NAME") String name;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      if (Names.appPasswordNameProblem(name).isPresent()) {
        throw new Main.UserError("not an app password name: '" + name + "'");
      }
      store.appPasswords().revoke(login, name);
      changed("app-password revoke", login, name);
      out.println("app password '" + name + "' of " + login + " revoked");
    }
  }
}
