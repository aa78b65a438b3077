/**
 * Configuration: typed records ({@link dev.hikyaku.config.HikyakuConfig} and its parts), the YAML
 * loader, and the rules every value must obey.
 *
 * <h2>Place in the data flow</h2>
 *
 * The first thing {@code app} does: the CLI names a file, {@link dev.hikyaku.config.ConfigLoader}
 * turns it into an immutable {@code HikyakuConfig} (optionally with ports replaced from {@code
 * --ports}), and {@code app} hands the parts to listeners, sessions, TLS, the store and the
 * monitoring endpoint ({@code http}). Nothing else reads the file; the rest of the server sees only
 * the records.
 *
 * <h2>One place per key</h2>
 *
 * Each section of the file is read, defaulted and written back by its record: {@code Limits}
 * holds the {@code limits} keys ({@code Limits.KEYS}), their defaults ({@code Limits.DEFAULTS}),
 * the reader that checks each value ({@code Limits.read}) and the writer ({@code write}); nested
 * sections by theirs ({@code OAuthConfig}, {@code Argon2Settings}; the next hops of {@code delivery}
 * in {@code NextHops}). The reader line of a key names its default and bounds through the typed
 * accessors of {@code Section} ({@code positive}, {@code timeout}, {@code choice} ...), which put the
 * key path in every error. {@code ConfigReader} reads the top-level keys, dispatches the sections
 * and checks the rules between them. A new key is: the record component with its reader and
 * writer line and its default, in one file, and its row in {@code docs/configuration.md} (and its
 * line in {@code docs/hikyaku.example.yaml}).
 *
 * <p>Code outside a record builds it by name, never positionally: {@code HttpConfig.builder()}
 * starts from the section's defaults (what an empty section reads as; {@code ConfigLoaderTest}
 * checks each builder against the loader), {@code toBuilder()} and the {@code withX} methods from a
 * record in hand; a listener's builder takes its role, whose defaults it gets. So a new key breaks
 * no caller: the value it does not set is the default.
 *
 * <p>{@code Defaults} holds the top-level defaults and those derived from the machine: the hostname
 * (this machine's canonical name, else {@code localhost}), the hosted domains (the hostname and
 * {@code localhost}), and the self-signed certificate directory ({@link
 * dev.hikyaku.config.HikyakuConfig#selfSignedTlsDirectory()}). Defaults derived from other keys sit
 * with their readers: the per-role port and greeting delay of a listener ({@code ListenerConfig}),
 * the SASL mechanisms of each listener role, which follow {@code auth.oauth} and {@code
 * auth.cram-md5} ({@code AuthConfig}).
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>Every {@link dev.hikyaku.config.ConfigException} message starts with the key path of the
 *       offending value ({@code listeners[1].port}, {@code limits.max-recipients}) and ends with
 *       the source and, when known, the line.
 *   <li>Unknown keys are errors that list the known keys at that level: a typo never silently falls
 *       back to a default.
 *   <li>Reading a config does no DNS lookups (addresses must be IP literals) and never opens the
 *       TLS files; it only checks that they exist and are readable. The one exception is the
 *       default hostname, looked up once when the file does not set {@code hostname}.
 *   <li>The records are immutable and checked: anything {@link dev.hikyaku.config.ConfigLoader}
 *       returns obeys every rule in {@code docs/configuration.md}.
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * Hold a default anywhere but next to its reader; quote a secret in an error (no key holds one: TLS
 * material and OAuth keys are given as paths or URLs); resolve host names or fetch URLs; know what
 * the values are used for beyond the rule that checks them.
 */
package dev.hikyaku.config;
