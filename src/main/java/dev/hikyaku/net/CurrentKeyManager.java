package dev.hikyaku.net;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The current identity's key manager, asked anew at each handshake. The alias it hands out names
 * the key manager it came from, so the chain and the key of one handshake come from the same
 * identity even when a reload happens in between.
 */
final class CurrentKeyManager extends X509ExtendedKeyManager {

  private final Supplier<X509ExtendedKeyManager> current;

  /** The key managers aliases were handed out from, by tag: the newest few (reloads are rare). */
  private final Map<String, X509ExtendedKeyManager> recent =
      Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, X509ExtendedKeyManager> eldest) {
              return size() > 4;
            }
          });

  /** {@code current} gives the key manager of the identity served now, at each call. */
  CurrentKeyManager(Supplier<X509ExtendedKeyManager> current) {
    this.current = current;
  }

  private String tagged(X509ExtendedKeyManager keyManager, String alias) {
    if (alias == null) {
      return null;
    }
    String tag = Integer.toHexString(System.identityHashCode(keyManager));
    recent.putIfAbsent(tag, keyManager);
    return tag + "/" + alias;
  }

  /** The key manager and its own alias behind a tagged alias; null for an alias not ours (any more). */
  private Map.Entry<X509ExtendedKeyManager, String> untagged(String alias) {
    int slash = alias == null ? -1 : alias.indexOf('/');
    if (slash < 0) {
      return null;
    }
    X509ExtendedKeyManager keyManager = recent.get(alias.substring(0, slash));
    return keyManager == null ? null : Map.entry(keyManager, alias.substring(slash + 1));
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null; // a server identity only
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    X509ExtendedKeyManager now = current.get();
    String[] aliases = now.getServerAliases(keyType, issuers);
    return aliases == null ? null : Arrays.stream(aliases).map(alias -> tagged(now, alias)).toArray(String[]::new);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    X509ExtendedKeyManager now = current.get();
    return tagged(now, now.chooseServerAlias(keyType, issuers, socket));
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    X509ExtendedKeyManager now = current.get();
    return tagged(now, now.chooseEngineServerAlias(keyType, issuers, engine));
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Map.Entry<X509ExtendedKeyManager, String> entry = untagged(alias);
    return entry == null ? null : entry.getKey().getCertificateChain(entry.getValue());
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Map.Entry<X509ExtendedKeyManager, String> entry = untagged(alias);
    return entry == null ? null : entry.getKey().getPrivateKey(entry.getValue());
  }
}
