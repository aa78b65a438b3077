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
 * <h2>Where the defaults are</h2>
 *
 * Every default value lives in one class, {@code Defaults} (package-private). The reader starts
 * from it and lets the file override it key by key; no other class, here or in another package,
 * writes a default literal. Derived defaults are computed there too: the hostname (this machine's
 * canonical name, else {@code localhost}), the hosted domains (the hostname and {@code localhost}),
 * the per-role port and greeting delay of a listener, the SASL mechanisms of each listener role
 * (which follow {@code auth.oauth} and {@code auth.cram-md5}), and the self-signed certificate
 * directory ({@link dev.hikyaku.config.HikyakuConfig#selfSignedTlsDirectory()}).
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
 * Hold a default anywhere but {@code Defaults}; quote a secret in an error (no key holds one: TLS
 * material and OAuth keys are given as paths or URLs); resolve host names or fetch URLs; know what
 * the values are used for beyond the rule that checks them.
 */
package dev.hikyaku.config;
