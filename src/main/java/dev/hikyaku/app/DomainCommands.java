package dev.hikyaku.app;

import static dev.hikyaku.app.AccountCommands.domain;
import static dev.hikyaku.app.AccountCommands.newDomain;

import dev.hikyaku.app.AccountCommands.StoreCommand;
import dev.hikyaku.store.Accounts;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hikyaku domain}: the domains accounts live in. */
final class DomainCommands {

  private DomainCommands() {}


  @Command(
      name = "domain",
      description = "Domains accounts live in.",
      subcommands = {DomainAdd.class, DomainList.class, DomainRemove.class})
  static final class Domain implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Add a domain.")
  static final class DomainAdd extends StoreCommand {
    @Parameters(paramLabel = "DOMAIN") String domain;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String name = newDomain(domain);
      store.domains().add(name);
      changed("domain add", name, "");
      out.println("domain " + name + " added");
    }
  }

  @Command(name = "list", description = "List domains.")
  static final class DomainList extends StoreCommand {
    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      store.domains().list().forEach(out::println);
    }
  }

  @Command(name = "remove", description = "Remove a domain that has no accounts left.")
  static final class DomainRemove extends StoreCommand {
    @Parameters(paramLabel = "DOMAIN") String domain;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String name = domain(domain);
      store.domains().remove(name);
      changed("domain remove", name, "");
      out.println("domain " + name + " removed");
    }
  }

}
