package dev.tako.proxy.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A server key manager that asks a {@link CertificateSource} for the certificate of the host name
 * the visitor sent in SNI. The alias handed to the JDK is the host name itself ("" without SNI), so
 * {@link #getPrivateKey} and {@link #getCertificateChain} can look it up again. An alias is only
 * offered for the key type of the certificate the source has (EC or RSA), as the JDK asks once per
 * signature scheme it could use.
 */
public final class SniKeyManager extends X509ExtendedKeyManager {
  private static final String NO_SNI = "";

  private final CertificateSource source;

  public SniKeyManager(CertificateSource source) {
    this.source = source;
  }

  /** A server-side TLS context (TLS 1.3 and 1.2) presenting {@code source}'s certificates. */
  public static SSLContext serverContext(CertificateSource source) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new SniKeyManager(source)}, null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make a TLS context", e);
    }
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    String host = requestedHost(engine == null ? null : engine.getHandshakeSession());
    return matches(keyType, host) ? aliasOf(host) : null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return matches(keyType, null) ? NO_SNI : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return source.select(hostOf(alias)).key();
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    List<X509Certificate> chain = source.select(hostOf(alias)).chain();
    return chain.toArray(new X509Certificate[0]);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  private boolean matches(String keyType, String host) {
    String algorithm = source.select(host).key().getAlgorithm();
    return keyType.equals(algorithm) || ("EC".equals(keyType) && "ECDSA".equals(algorithm));
  }

  private static String requestedHost(SSLSession session) {
    if (session instanceof ExtendedSSLSession extended) {
      for (SNIServerName name : extended.getRequestedServerNames()) {
        if (name.getType() == StandardConstants.SNI_HOST_NAME) {
          return ((SNIHostName) name).getAsciiName().toLowerCase(Locale.ROOT);
        }
      }
    }
    return null;
  }

  private static String aliasOf(String host) {
    return host == null ? NO_SNI : host;
  }

  private static String hostOf(String alias) {
    return alias == null || alias.isEmpty() ? null : alias;
  }
}
