package dev.hikyaku.app;

import static dev.hikyaku.app.AccountCommands.address;
import static dev.hikyaku.app.AccountCommands.domain;
import static dev.hikyaku.app.AccountCommands.newAddress;
import static dev.hikyaku.app.AccountCommands.newSender;
import static dev.hikyaku.app.AccountCommands.sender;
import static dev.hikyaku.app.AccountCommands.wipe;

import dev.hikyaku.app.AccountCommands.PasswordCommand;
import dev.hikyaku.app.AccountCommands.StoreCommand;
import dev.hikyaku.store.Account;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.Credentials;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.StoreException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hikyaku user}: accounts (login = address), their passwords, senders and state. */
final class UserCommands {

  private UserCommands() {}


  @Command(
      name = "user",
      description = "Accounts that may authenticate and submit mail.",
      subcommands = {
        UserAdd.class, UserList.class, UserPasswd.class, UserDisable.class, UserEnable.class,
        UserDelete.class, UserSenders.class, UserFromHeader.class, UserUnsuspend.class
      })
  static final class User implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Create an account (login = its address) with a password.")
  static final class UserAdd extends PasswordCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Option(
        names = "--from-header",
        paramLabel = "reject|add-sender",
        defaultValue = "reject",
        description = "When the From: header names an address the account does not own: reject the message, or accept it and add a Sender: header (default ${DEFAULT-VALUE}).")
    String fromHeader;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = newAddress(address);
      FromHeaderPolicy policy = fromHeaderPolicy("--from-header", fromHeader);
      char[] password = readPassword();
      try {
        Account account = accounts.create(login, credentials(login, password), policy);
        changed("user add", account.address(), "from-header " + policy.configName());
        out.println("account " + account.address() + " created");
      } finally {
        wipe(password);
      }
    }
  }

  /** A From: header policy by its config name; {@code what} names the argument in a refusal. */
  static FromHeaderPolicy fromHeaderPolicy(String what, String text) throws Main.UserError {
    return FromHeaderPolicy.parse(text)
        .orElseThrow(() -> new Main.UserError(what + " must be reject or add-sender, was '" + text + "'"));
  }

  @Command(name = "list", description = "List accounts.")
  static final class UserList extends StoreCommand {
    @Option(names = "--domain", description = "Only accounts in this domain.") String domain;
    @Option(names = "--json", description = "One JSON array of the accounts, for scripts.") boolean isJson;

    private boolean suspended(String address) throws StoreException {
      return store.defences().suspension(address).isPresent();
    }

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      Optional<String> only = domain == null ? Optional.empty() : Optional.of(domain(domain));
      if (isJson) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Account a : accounts.list(only)) {
          Credentials c = a.credentials();
          List<String> mechanisms = new ArrayList<>();
          if (c.argon2id().isPresent()) {
            mechanisms.addAll(List.of("PLAIN", "LOGIN"));
          }
          if (c.scramSha256().isPresent()) {
            mechanisms.add("SCRAM-SHA-256");
          }
          if (c.cramMd5().isPresent()) {
            mechanisms.add("CRAM-MD5");
          }
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("account", a.address());
          row.put("state", a.isDisabled() ? "disabled" : suspended(a.address()) ? "suspended" : "active");
          row.put("from_header", a.fromHeader().configName());
          row.put("last_login_at", a.lastLoginAt().orElse(null));
          row.put("mechanisms", mechanisms);
          rows.add(row);
        }
        CliJson.print(out, rows);
        return;
      }
      out.printf("%-40s  %-8s  %-10s  %-20s  %s%n", "ACCOUNT", "STATE", "FROM", "LAST LOGIN", "MECHANISMS");
      for (Account a : accounts.list(only)) {
        Credentials c = a.credentials();
        String mechanisms =
            String.join(
                " ",
                c.argon2id().isPresent() ? "PLAIN/LOGIN" : "",
                c.scramSha256().isPresent() ? "SCRAM" : "",
                c.cramMd5().isPresent() ? "CRAM-MD5" : "").strip();
        out.printf(
            "%-40s  %-8s  %-10s  %-20s  %s%n",
            a.address(),
            a.isDisabled() ? "disabled" : suspended(a.address()) ? "suspended" : "active",
            a.fromHeader().configName(),
            a.lastLoginAt().map(AccountCommands::time).orElse("never"),
            mechanisms);
      }
    }
  }

  @Command(name = "passwd", description = "Set a new password (ends cached logins at once).")
  static final class UserPasswd extends PasswordCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      if (accounts.find(login).isEmpty()) {
        throw new Main.UserError("account " + login + " not found");
      }
      char[] password = readPassword();
      try {
        accounts.setCredentials(login, credentials(login, password));
        changed("user passwd", login, "");
        out.println("password of " + login + " changed");
      } finally {
        wipe(password);
      }
    }
  }

  @Command(name = "disable", description = "Refuse all logins of an account (keeps it).")
  static final class UserDisable extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      accounts.setDisabled(login, true);
      changed("user disable", login, "");
      out.println("account " + login + " disabled");
    }
  }

  @Command(name = "enable", description = "Allow logins of a disabled account again.")
  static final class UserEnable extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      accounts.setDisabled(login, false);
      changed("user enable", login, "");
      out.println("account " + login + " enabled");
    }
  }

  @Command(
      name = "from-header",
      description = "Choose what happens when the From: header names an address the account does not own: reject the message, or accept it and add a Sender: header.")
  static final class UserFromHeader extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ADDRESS") String address;
    @Parameters(index = "1", paramLabel = "reject|add-sender") String fromHeader;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      FromHeaderPolicy policy = fromHeaderPolicy("the From: header policy", fromHeader);
      accounts.setFromHeaderPolicy(login, policy);
      changed("user from-header", login, policy.configName());
      out.println("account " + login + ": From: header " + policy.configName());
    }
  }

  @Command(name = "unsuspend", description = "Let an account suspended for unusual sending send again.")
  static final class UserUnsuspend extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      Optional<String> reason = store.defences().suspension(login);
      if (reason.isEmpty()) {
        throw new Main.UserError("account " + login + " is not suspended");
      }
      store.defences().unsuspend(login);
      changed("user unsuspend", login, "was: " + reason.get());
      out.println("account " + login + " may send again (it was suspended: " + reason.get() + ")");
    }
  }

  @Command(name = "delete", description = "Delete an account, its senders, app passwords, API keys and webhook endpoints.")
  static final class UserDelete extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      int webhooks = accounts.delete(login);
      String removed = webhooks == 0 ? "" : webhooks + " webhook endpoint(s) removed with it";
      changed("user delete", login, removed);
      out.println("account " + login + " deleted" + (removed.isEmpty() ? "" : "; " + removed));
    }
  }

  @Command(
      name = "senders",
      description = "List, add or remove the addresses an account may send as (local@domain, or @domain for a whole domain).")
  static final class UserSenders extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;
    @Option(names = "--add", paramLabel = "SENDER") List<String> add = List.of();
    @Option(names = "--remove", paramLabel = "SENDER") List<String> remove = List.of();

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      List<String> added = new ArrayList<>();
      for (String sender : add) {
        added.add(newSender(sender));
      }
      List<String> removed = new ArrayList<>();
      for (String sender : remove) {
        removed.add(sender(sender));
      }
      for (String sender : added) {
        accounts.addSender(login, sender);
        changed("user senders", login, "add " + sender);
        out.println("added " + sender);
      }
      for (String sender : removed) {
        accounts.removeSender(login, sender);
        changed("user senders", login, "remove " + sender);
        out.println("removed " + sender);
      }
      if (add.isEmpty() && remove.isEmpty()) {
        accounts.senders(login).forEach(out::println);
      }
    }
  }

}
