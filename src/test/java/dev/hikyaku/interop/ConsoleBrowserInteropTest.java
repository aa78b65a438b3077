package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.auth.Totp;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.console.Console;
import dev.hikyaku.dns.TestDnsServer;
import dev.hikyaku.intake.PickupRequest;
import dev.hikyaku.store.ApiKey;
import dev.hikyaku.store.Block;
import dev.hikyaku.store.MessageState;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.testing.TestServers;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 20: the console in Debian's chromium, headless, driven by Selenium through Debian's
 * chromium-driver: an admin signs in with a TOTP code, releases a held message, bounces one after
 * confirming, lifts a block and creates a key that curl then uses; a wrong code and a non-admin are
 * refused; a sender signed in with its key sees its own messages and keys, never another account's;
 * every form without its token is refused (403) and changes nothing. Screenshots of each page go to
 * target/console-screenshots for a reviewer.
 */
@Tag("interop")
class ConsoleBrowserInteropTest {

  private static final String ALICE = "alice@" + TestServers.HOSTED_DOMAIN;
  private static final String BOB = "bob@" + TestServers.HOSTED_DOMAIN;
  private static final String PASSWORD = "a long console pass phrase 42";
  private static final byte[] SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  @TempDir Path data;
  private Server server;
  private WebDriver browser;
  private TestDnsServer dns;
  private String base;

  @BeforeEach
  void start() throws Exception {
    ExternalTool.require("chromium", "chromium");
    ExternalTool.require("chromedriver", "chromium-driver");
    dns = TestDnsServer.start();
    HikyakuConfig defaults = TestServers.config(data);
    // The DNS check asks the test's DNS server, never the world's.
    HikyakuConfig config = defaults.toBuilder().api(TestServers.loopbackApi())
        .delivery(defaults.delivery().withDns(List.of(dns.address()), Duration.ofMillis(500))).build();
    server = Server.start(config);
    TestServers.createAccount(server, ALICE, PASSWORD);
    TestServers.createAccount(server, BOB, PASSWORD);
    server.store().consoleAdmins().add(ALICE, SECRET);
    base = "https://127.0.0.1:" + server.apiPort();
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    // The server's certificate is self-signed; root needs --no-sandbox; /dev/shm may be small here.
    options.setAcceptInsecureCerts(true);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,800");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
        .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
    if (dns != null) {
      dns.close();
    }
  }

  @Test
  void anAdminSignsInWithATotpCodeAndReleasesAHeldMessage() throws Exception {
    QueueId held = queued();
    server.store().queueAdmin().hold(held);

    browser.get(base + "/console/");
    assertThat(browser.getCurrentUrl()).as("not signed in: to the sign-in page").endsWith("/console/sign-in");
    screenshot("1-sign-in");
    signIn(ALICE, PASSWORD, code());
    assertThat(browser.getCurrentUrl()).as("an operator starts at the overview").endsWith("/console/overview");
    assertThat(browser.findElement(By.tagName("nav")).getText()).contains("Signed in as " + ALICE);
    assertThat(browser.findElement(By.cssSelector("dl.tiles")).getText()).contains("Accepted\n1").contains("In the queue\n1");
    assertThat(browser.findElements(By.cssSelector("svg.chart rect.bar-accepted"))).as("the message, in the chart").hasSize(1);
    screenshot("0-overview");
    navigateBy(browser.findElement(By.linkText("Queue")));
    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains(held.value()).contains("held");
    screenshot("2-queue-with-a-held-message");

    navigateBy(browser.findElement(By.cssSelector("button[aria-label='Release message " + held.value() + "']")));
    assertThat(browser.findElement(By.cssSelector("p.notice")).getText()).contains("released");
    assertThat(server.store().queueAdmin().find(held).orElseThrow().state()).isNotEqualTo(MessageState.HELD);
    screenshot("3-released");

    // The session cookie without the form's token: refused, nothing changed.
    Cookie session = browser.manage().getCookieNamed(Console.SESSION_COOKIE);
    assertThat(session.isHttpOnly()).isTrue();
    assertThat(session.isSecure()).isTrue();
    assertThat(session.getSameSite()).isEqualTo("Strict");
    HttpClient http = TestServers.httpClientTrusting(server.tls().currentCertificate());
    HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(base + "/console/queue/" + held.value() + "/hold"))
        .header("Cookie", Console.SESSION_COOKIE + "=" + session.getValue())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("csrf=not-the-token")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(server.store().queueAdmin().find(held).orElseThrow().state()).isNotEqualTo(MessageState.HELD);
    HttpResponse<String> signInWithoutCookie = http.send(HttpRequest.newBuilder(URI.create(base + "/console/sign-in"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("csrf=x&account=" + ALICE + "&password=x&code=000000")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(signInWithoutCookie.statusCode()).as("the sign-in form's token too").isEqualTo(403);
    assertThat(forged.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
        .contains("frame-ancestors 'none'").contains("default-src 'none'"));

    navigateBy(browser.findElement(By.cssSelector("nav button")));
    assertThat(browser.getCurrentUrl()).endsWith("/console/sign-in");
    browser.get(base + "/console/");
    assertThat(browser.getCurrentUrl()).as("signed out: the session is gone").endsWith("/console/sign-in");
  }

  @Test
  void anAdminLiftsABlockedNetworkAndCreatesAKeyThatCurlThenUses() throws Exception {
    Instant now = Instant.now();
    server.store().defences().block(new Block("ip", "192.0.2.7", now.plus(Duration.ofHours(1)), "10 failed logins", now));
    browser.get(base + "/console/sign-in");
    signIn(ALICE, PASSWORD, code());
    navigateBy(browser.findElement(By.linkText("Blocks")));
    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains("192.0.2.7").contains("10 failed logins");
    screenshot("5-blocks");
    navigateBy(browser.findElement(By.cssSelector("button[aria-label='Lift the block of 192.0.2.7']")));
    assertThat(browser.findElement(By.cssSelector("p.notice")).getText()).contains("lifted");
    assertThat(server.store().defences().activeBlocks(Instant.now())).isEmpty();

    navigateBy(browser.findElement(By.linkText("API keys")));
    browser.findElement(By.id("key-account")).clear();
    browser.findElement(By.id("key-account")).sendKeys(BOB);
    browser.findElement(By.id("key-name")).sendKeys("billing-prod");
    browser.findElement(By.cssSelector("input[name=read]")).click();
    navigateBy(browser.findElement(By.cssSelector("form[action='/console/keys'] button[type=submit]")));
    String key = browser.findElement(By.id("new-key")).getText();
    assertThat(key).startsWith("hk_");
    screenshot("6-key-created");
    browser.navigate().refresh(); // a reload must not show it again: the POST is not repeated without asking
    browser.get(base + "/console/keys");
    assertThat(browser.getPageSource()).doesNotContain(key).contains("billing-prod");

    // The key, as an application uses it: curl against the API, bob's messages (none yet).
    Path headers = Files.writeString(data.resolve("curl-headers"), "Authorization: Bearer " + key + "\n");
    ExternalTool curl = ExternalTool.require("curl", "curl");
    ExternalTool.Run listed = curl.run("-sS", "--fail-with-body", "--cacert", certificate().toString(),
        "--resolve", TestServers.HOSTNAME + ":" + server.apiPort() + ":127.0.0.1", "-H", "@" + headers,
        "https://" + TestServers.HOSTNAME + ":" + server.apiPort() + "/v1/messages");
    assertThat(listed.exitCode()).as(listed.output()).isZero();
    assertThat(listed.stdout()).contains("\"data\":[]");
  }

  private Path certificate() throws Exception {
    X509Certificate certificate = server.tls().currentCertificate();
    String pem = "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
    return Files.writeString(data.resolve("server.pem"), pem);
  }

  @Test
  void aWrongCodeAndAnAccountThatIsNoAdminAreRefused() throws Exception {
    browser.get(base + "/console/sign-in");
    String code = code();
    signIn(ALICE, PASSWORD, code.equals("000000") ? "111111" : "000000");
    assertThat(browser.findElement(By.cssSelector("p.error")).getText()).isEqualTo("The account, password or code is not right.");
    screenshot("4-wrong-code");
    signIn(BOB, PASSWORD, code);
    assertThat(browser.findElement(By.cssSelector("p.error")).getText()).isEqualTo("The account, password or code is not right.");
    assertThat(browser.getPageSource()).doesNotContain(BOB + "</strong>");
  }

  /** Clicks what submits a form or follows a link, and waits until the next page has replaced this one. */
  private void navigateBy(WebElement element) {
    WebElement page = browser.findElement(By.tagName("html"));
    element.click();
    // The old page's root is gone once the next page has replaced it; chromium reports that as a
    // stale element, or, caught mid-swap, as a node that "does not belong to the document".
    new WebDriverWait(browser, Duration.ofSeconds(20)).until(driver -> {
      try {
        page.isEnabled();
        return false;
      } catch (WebDriverException gone) {
        return true;
      }
    });
  }

  @Test
  void aSenderSignedInWithItsKeySeesItsOwnMessagesAndKeysOnly() throws Exception {
    String alicesKey = newKey(ALICE, "alice-app", ApiKey.Scope.SEND, ApiKey.Scope.READ);
    String bobsKey = newKey(BOB, "bob-app", ApiKey.Scope.SEND, ApiKey.Scope.READ);
    ExternalTool.Run alices = curl(alicesKey, "POST", "/v1/messages",
        "{\"from\":{\"email\":\"" + ALICE + "\"},\"to\":[\"carol@example.net\"],\"subject\":\"Alice's invoice\",\"text\":\"x\"}");
    assertThat(status(alices)).as(alices.output()).isEqualTo(202);
    ExternalTool.Run bobs = curl(bobsKey, "POST", "/v1/messages",
        "{\"from\":{\"email\":\"" + BOB + "\"},\"to\":[\"dave@example.net\"],\"subject\":\"Bob's report\",\"text\":\"x\"}");
    assertThat(status(bobs)).as(bobs.output()).isEqualTo(202);
    String alicesMessage = sent(alices);
    String bobsMessage = sent(bobs);

    browser.get(base + "/console/sign-in");
    signInWithKey(bobsKey);
    assertThat(browser.getCurrentUrl()).as("a sender starts at its messages").endsWith("/console/messages");
    assertThat(browser.findElement(By.tagName("nav")).getText()).contains("Signed in as " + BOB).doesNotContain("Queue")
        .doesNotContain("Blocks");
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("Bob's report").contains("dave@example.net")
        .doesNotContain("Alice's invoice");
    screenshot("7-sender-messages");
    navigateBy(browser.findElement(By.linkText(browser.findElement(By.cssSelector("tbody a")).getText())));
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("Bob's report").contains(bobsMessage)
        .contains("dave@example.net");
    screenshot("8-message");

    // Alice's message, by its id, and the operators' pages: the API refuses bob, so the console does.
    browser.get(base + "/console/messages/" + alicesMessage);
    assertThat(browser.getPageSource()).doesNotContain("Alice's invoice").doesNotContain("carol@example.net");
    assertThat(browser.findElement(By.cssSelector("p.error")).getText()).isNotBlank();
    browser.get(base + "/console/messages?sender=" + ALICE);
    assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("Alice's invoice");
    browser.get(base + "/console/queue");
    assertThat(browser.findElement(By.cssSelector("p.error")).getText()).isEqualTo("this API key lacks scope admin");
    assertThat(browser.getPageSource()).doesNotContain(alicesMessage);
    browser.get(base + "/console/blocks");
    assertThat(browser.findElement(By.cssSelector("p.error")).getText()).isEqualTo("this API key lacks scope admin");

    browser.get(base + "/console/keys");
    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains("bob-app").doesNotContain("alice-app");
    assertThat(browser.findElements(By.id("key-name"))).as("a read key makes no keys").isEmpty();

    // An operator searches every account's history, and sees a message's events.
    navigateBy(browser.findElement(By.cssSelector("nav button")));
    signIn(ALICE, PASSWORD, code());
    browser.get(base + "/console/messages");
    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains("Bob's report").contains("Alice's invoice");
    browser.get(base + "/console/messages?account=" + BOB);
    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains("Bob's report").doesNotContain("Alice's invoice");
    browser.get(base + "/console/messages/" + bobsMessage);
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("message.accepted");
    screenshot("15-message-with-events");
  }

  @Test
  void everyFormRefusesARequestWithoutItsTokenAndTheOperatorsRoutesRefuseAnAccountsKey() throws Exception {
    QueueId message = queued();
    Instant now = Instant.now();
    server.store().defences().block(new Block("ip", "192.0.2.9", now.plus(Duration.ofHours(1)), "test", now));
    browser.get(base + "/console/sign-in");
    signIn(ALICE, PASSWORD, code());
    Cookie session = browser.manage().getCookieNamed(Console.SESSION_COOKIE);
    HttpClient http = TestServers.httpClientTrusting(server.tls().currentCertificate());
    String id = message.value();
    for (String form : List.of("/console/queue/" + id + "/hold", "/console/queue/" + id + "/release", "/console/queue/" + id + "/retry",
        "/console/queue/" + id + "/bounce", "/console/queue/" + id + "/delete", "/console/queue/flush", "/console/blocks/lift",
        "/console/keys", "/console/keys/alice-app/revoke", "/console/accounts/unsuspend", "/console/accounts/app-passwords/revoke",
        "/console/domains/" + TestServers.HOSTED_DOMAIN + "/dkim", "/console/domains/" + TestServers.HOSTED_DOMAIN + "/dkim/hk1/activate",
        "/console/suppressions/add", "/console/suppressions/remove", "/console/accounts", "/console/accounts/senders/add",
        "/console/accounts/senders/remove", "/console/accounts/app-passwords", "/console/sign-out")) {
      String fields = "scope=ip&subject=192.0.2.9&name=forged&send=on&address=gone%40" + TestServers.HOSTED_DOMAIN + "&algorithm=rsa"
          + "&password=vq8-Wzl3-Nbr6-Tyk1-Hom5&sender=%40example.net";
      for (String body : List.of(fields, "csrf=forged&" + fields)) {
        HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(base + form))
            .header("Cookie", Console.SESSION_COOKIE + "=" + session.getValue())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).as(form + " " + body).isEqualTo(403);
      }
    }
    assertThat(server.store().queueAdmin().find(message).orElseThrow().state()).isEqualTo(MessageState.QUEUED);
    assertThat(server.store().defences().activeBlocks(Instant.now())).hasSize(1);
    assertThat(server.store().apiKeys().list(Optional.empty())).isEmpty();
    assertThat(server.store().signingKeys().list(Optional.empty())).isEmpty();
    assertThat(server.store().suppressions().find(TestServers.HOSTED_DOMAIN, "gone@" + TestServers.HOSTED_DOMAIN)).isEmpty();
    assertThat(server.store().accounts().find("gone@" + TestServers.HOSTED_DOMAIN)).isEmpty();
    browser.get(base + "/console/queue");
    assertThat(browser.getCurrentUrl()).as("the session outlived the forged sign-out").endsWith("/console/queue");

    // Bouncing asks first; then the message is returning to its sender.
    navigateBy(browser.findElement(By.linkText(id)));
    screenshot("9-queued-message");
    navigateBy(browser.findElement(By.linkText("Bounce…")));
    assertThat(browser.findElement(By.tagName("h1")).getText()).contains("Return message " + id);
    screenshot("10-confirm-bounce");
    navigateBy(browser.findElement(By.cssSelector("form.card button[type=submit]")));
    assertThat(browser.findElement(By.cssSelector("p.notice")).getText()).contains("returning");
    assertThat(server.store().queueAdmin().find(message).orElseThrow().state()).isEqualTo(MessageState.RETURNING);

    // The same routes over HTTPS: an operator's admin key reaches them, an account's admin key does not.
    String operatorKey = newKey(ALICE, "ops", ApiKey.Scope.ADMIN);
    String accountAdminKey = newKey(BOB, "bob-admin", ApiKey.Scope.ADMIN, ApiKey.Scope.READ);
    ExternalTool.Run queue = curl(operatorKey, "GET", "/v1/queue", "");
    assertThat(status(queue)).as(queue.output()).isEqualTo(200);
    assertThat(queue.stdout()).contains(id);
    ExternalTool.Run refused = curl(accountAdminKey, "GET", "/v1/queue", "");
    assertThat(status(refused)).as(refused.output()).isEqualTo(403);
    assertThat(refused.stdout()).contains("operators-only").doesNotContain(id);
    assertThat(status(curl(accountAdminKey, "DELETE", "/v1/blocks/ip/192.0.2.9", ""))).isEqualTo(403);
    assertThat(status(curl(operatorKey, "DELETE", "/v1/blocks/ip/192.0.2.9", ""))).isEqualTo(204);
    assertThat(server.store().defences().activeBlocks(Instant.now())).isEmpty();
    ExternalTool.Run bobsKeys = curl(accountAdminKey, "GET", "/v1/keys", "");
    assertThat(bobsKeys.stdout()).contains("bob-admin").doesNotContain("\"ops\"");
    ExternalTool.Run forAlice = curl(accountAdminKey, "POST", "/v1/keys", "{\"name\":\"sneaky\",\"scopes\":[\"send\"],\"account\":\"" + ALICE + "\"}");
    assertThat(status(forAlice)).as(forAlice.output()).isEqualTo(422);
    assertThat(status(curl(accountAdminKey, "DELETE", "/v1/keys/ops", ""))).as("another account's key is not found").isEqualTo(404);
    assertThat(server.store().apiKeys().list(Optional.of(ALICE))).allMatch(k -> k.isActive());

    // Accounts and DKIM keys over HTTPS: the 201 is the account as the list shows it; the password
    // travels in a file, never on curl's argv.
    Path newAccount = ExternalTool.secretFile(data.resolve("new-account.json"),
        "{\"address\":\"Carol@" + TestServers.HOSTED_DOMAIN + "\",\"password\":\"violet anchor tundra quiz 4827\"}");
    assertThat(status(curl(accountAdminKey, "POST", "/v1/accounts", "@" + newAccount))).isEqualTo(403);
    ExternalTool.Run made = curl(operatorKey, "POST", "/v1/accounts", "@" + newAccount);
    assertThat(status(made)).as(made.output()).isEqualTo(201);
    assertThat(made.stdout()).contains("\"address\":\"carol@" + TestServers.HOSTED_DOMAIN + "\"", "\"state\":\"enabled\"")
        .doesNotContain("violet");
    ExternalTool.Run again = curl(operatorKey, "POST", "/v1/accounts", "@" + newAccount);
    assertThat(status(again)).as(again.output()).isEqualTo(422);
    String dkim = "/v1/domains/" + TestServers.HOSTED_DOMAIN + "/dkim";
    assertThat(status(curl(operatorKey, "POST", dkim, "[\"rsa\"]"))).as("not an object").isEqualTo(400);
    ExternalTool.Run badAlgorithm = curl(operatorKey, "POST", dkim, "{\"algorithm\":\"dsa\"}");
    assertThat(status(badAlgorithm)).isEqualTo(422);
    assertThat(badAlgorithm.stdout()).contains("/algorithm", "must be rsa or ed25519");
  }

  @Test
  void anOperatorLetsASuspendedAccountSendRevokesAnAppPasswordRotatesADkimKeyAndChecksTheDns() throws Exception {
    server.store().defences().suspend(BOB, "400 messages in 10 minutes", Instant.now());
    server.store().appPasswords().add(BOB, "laptop", GeneratedSecrets.keyedHash(server.store().serverSecret().value(),
        GeneratedSecrets.newApiKey(new SecureRandom())));
    dns.mx(TestServers.HOSTED_DOMAIN, 10, TestServers.HOSTNAME).a(TestServers.HOSTNAME, "192.0.2.25")
        .txt(TestServers.HOSTED_DOMAIN, "v=spf1 mx -all");
    browser.get(base + "/console/sign-in");
    signIn(ALICE, PASSWORD, code());

    navigateBy(browser.findElement(By.linkText("Accounts")));
    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains(BOB).contains("400 messages in 10 minutes")
        .contains("laptop");
    screenshot("11-accounts");
    navigateBy(browser.findElement(By.cssSelector("button[aria-label='Let " + BOB + " send again']")));
    assertThat(browser.findElement(By.cssSelector("p.notice")).getText()).contains("may send again");
    assertThat(server.store().defences().suspension(BOB)).isEmpty();
    navigateBy(browser.findElement(By.cssSelector("button[aria-label='Revoke app password laptop of " + BOB + "']")));
    assertThat(server.store().appPasswords().list(BOB)).allMatch(p -> p.revokedAt().isPresent());

    // A new account: a password the policy refuses is refused in its words; then one it takes.
    String carol = "carol@" + TestServers.HOSTED_DOMAIN;
    browser.findElement(By.id("new-address")).sendKeys(carol);
    browser.findElement(By.id("new-password")).sendKeys("short");
    navigateBy(browser.findElement(By.cssSelector("form[action='/console/accounts'] button")));
    assertThat(browser.findElement(By.cssSelector("p.error")).getText()).contains("password refused").contains("Too short");
    assertThat(server.store().accounts().find(carol)).isEmpty();
    browser.findElement(By.id("new-address")).sendKeys(carol);
    browser.findElement(By.id("new-password")).sendKeys("vq8-Wzl3-Nbr6-Tyk1-Hom5");
    navigateBy(browser.findElement(By.cssSelector("form[action='/console/accounts'] button")));
    assertThat(browser.findElement(By.cssSelector("p.notice")).getText()).contains("The account is made");
    assertThat(browser.getPageSource()).doesNotContain("vq8-Wzl3-Nbr6-Tyk1-Hom5");
    browser.findElement(By.id("sender-" + carol)).sendKeys("@" + TestServers.HOSTED_DOMAIN);
    navigateBy(browser.findElement(By.cssSelector("button[aria-label='Add the sender to " + carol + "']")));
    assertThat(server.store().accounts().senders(carol)).contains("@" + TestServers.HOSTED_DOMAIN);
    navigateBy(browser.findElement(By.cssSelector("button[aria-label='Remove sender @" + TestServers.HOSTED_DOMAIN + " of " + carol + "']")));
    assertThat(server.store().accounts().senders(carol)).containsExactly(carol);
    browser.findElement(By.id("app-password-" + carol)).sendKeys("thunderbird");
    navigateBy(browser.findElement(By.cssSelector("button[aria-label='New app password for " + carol + "']")));
    String appPassword = browser.findElement(By.id("new-app-password")).getText();
    // The app password, as a mail client uses it: SMTP AUTH on 587 after STARTTLS (Commons Net).
    var client = TestServers.submissionClient(server, carol, appPassword);
    client.logout();
    client.disconnect();
    browser.get(base + "/console/accounts");
    assertThat(browser.getPageSource()).as("shown once").doesNotContain(appPassword).contains("thunderbird");

    navigateBy(browser.findElement(By.linkText("Domains")));
    assertThat(browser.findElement(By.tagName("main")).getText()).contains(TestServers.HOSTED_DOMAIN).contains("No key");
    navigateBy(browser.findElement(By.cssSelector("form[action='/console/domains/" + TestServers.HOSTED_DOMAIN + "/dkim'] button")));
    assertThat(browser.findElement(By.cssSelector("p.notice")).getText()).contains("pending");
    String record = browser.findElement(By.cssSelector("code.record")).getText();
    assertThat(record).contains("._domainkey." + TestServers.HOSTED_DOMAIN).contains("v=DKIM1; k=rsa; p=");
    screenshot("12-domains");
    navigateBy(browser.findElement(By.cssSelector("button[aria-label^='Activate key']")));
    assertThat(server.store().signingKeys().active(TestServers.HOSTED_DOMAIN)).hasSize(1);

    navigateBy(browser.findElement(By.linkText("Check its DNS")));
    String checked = browser.findElement(By.tagName("tbody")).getText();
    assertThat(checked).containsPattern("MX ok 10 " + TestServers.HOSTNAME.replace(".", "\\."))
        .containsPattern("DKIM missing .*_domainkey\\." + TestServers.HOSTED_DOMAIN.replace(".", "\\."));
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("Some records need attention");
    screenshot("13-dns-check");

    // The account's own lists: a suppression added and removed, a webhook endpoint and its log.
    navigateBy(browser.findElement(By.linkText("Suppressions")));
    browser.findElement(By.id("suppress-address")).sendKeys("gone@example.net");
    navigateBy(browser.findElement(By.cssSelector("form[action='/console/suppressions/add'] button")));
    assertThat(browser.findElement(By.tagName("tbody")).getText()).contains("gone@example.net").contains("manual");
    assertThat(server.store().suppressions().find(TestServers.HOSTED_DOMAIN, "gone@example.net")).isPresent();
    screenshot("14-suppressions");
    navigateBy(browser.findElement(By.cssSelector("button[aria-label='Remove gone@example.net from the list']")));
    assertThat(server.store().suppressions().find(TestServers.HOSTED_DOMAIN, "gone@example.net")).isEmpty();

    String hook = curl(newKey(ALICE, "hooks", ApiKey.Scope.ADMIN), "POST", "/v1/webhooks",
        "{\"url\":\"https://hooks.example.net/hikyaku\",\"events\":[\"message.delivered\"]}").stdout();
    assertThat(hook).contains("\"id\":\"wh_");
    navigateBy(browser.findElement(By.linkText("Webhooks")));
    navigateBy(browser.findElement(By.linkText("https://hooks.example.net/hikyaku")));
    assertThat(browser.findElement(By.tagName("h1")).getText()).startsWith("Deliveries to wh_");
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("Nothing sent yet");
  }

  private void signIn(String account, String password, String code) {
    browser.findElement(By.id("account")).sendKeys(account);
    browser.findElement(By.id("password")).sendKeys(password);
    browser.findElement(By.id("code")).sendKeys(code);
    navigateBy(browser.findElement(By.cssSelector("form button[type=submit]")));
  }

  private void signInWithKey(String key) {
    browser.findElement(By.id("api-key")).sendKeys(key);
    navigateBy(browser.findElement(By.cssSelector("form.signin-key button[type=submit]")));
  }

  /** A key of {@code account}'s, as hikyaku api-key add makes one. */
  private String newKey(String account, String name, ApiKey.Scope... scopes) throws Exception {
    String secret = GeneratedSecrets.newApiKey(new SecureRandom());
    server.store().apiKeys().add(account, name, GeneratedSecrets.keyedHash(server.store().serverSecret().value(), secret),
        Set.of(scopes), List.of(), List.of(), ApiKey.Limits.NONE);
    return secret;
  }

  /** curl against the API with {@code key} (from a header file, never on argv); the body it printed. */
  private ExternalTool.Run curl(String key, String method, String path, String json) throws Exception {
    Path headers = ExternalTool.secretFile(data.resolve("key-" + System.nanoTime() + ".header"), "Authorization: Bearer " + key + "\n");
    List<String> args = new ArrayList<>(List.of("-sS", "-o", "-", "-w", "\n%{http_code}", "-X", method,
        "--cacert", certificate().toString(),
        "--resolve", TestServers.HOSTNAME + ":" + server.apiPort() + ":127.0.0.1", "-H", "@" + headers));
    if (!json.isEmpty()) {
      args.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", json));
    }
    args.add("https://" + TestServers.HOSTNAME + ":" + server.apiPort() + path);
    return ExternalTool.require("curl", "curl").run(args.toArray(String[]::new));
  }

  private static int status(ExternalTool.Run run) {
    String out = run.stdout().strip();
    return Integer.parseInt(out.substring(out.lastIndexOf('\n') + 1));
  }

  private static String sent(ExternalTool.Run run) {
    String out = run.stdout().strip();
    String body = out.substring(0, out.lastIndexOf('\n'));
    return body.replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1");
  }

  private static String code() {
    return Totp.standard().code(SECRET, Totp.stepOf(Instant.now()));
  }

  private void screenshot(String name) throws Exception {
    Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  /** A message in the queue (delivery is off in tests), handed over as hikyaku sendmail does. */
  private QueueId queued() throws Exception {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(data.resolve("sendmail.sock")))) {
      new PickupRequest("cron@" + TestServers.HOSTED_DOMAIN, List.of(BOB),
          "From: cron@hikyaku.test\r\nSubject: console\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII))
          .writeTo(Channels.newOutputStream(channel));
      channel.shutdownOutput();
      String reply = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.US_ASCII).strip();
      return QueueId.parse(reply.substring(reply.lastIndexOf(' ') + 1)).orElseThrow();
    }
  }
}
