package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.proxy.tls.SelfSignedCertificates;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code tako.proxy.tls-handshake-timeout}: a visitor that does not finish its TLS handshake in
 * time is closed (there is no way to answer it); one that finished is not, however quiet.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsHandshakeTimeoutTest {
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(1);

  /**
   * Far below the header (30 s) and idle (75 s) timeouts: a close within this is the handshake's.
   */
  private static final Duration DEADLINE = Duration.ofSeconds(8);

  private ProxyUnderTest proxy;

  @BeforeAll
  void start() throws Exception {
    proxy =
        new ProxyUnderTest(
            ProxySettings.DEFAULTS.withTlsHandshakeTimeout(HANDSHAKE_TIMEOUT),
            new ProxyListener.Tls(new SelfSignedCertificates()));
  }

  @AfterAll
  void stop() throws Exception {
    proxy.close();
  }

  @Test
  void aSilentConnectionIsClosed() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      assertEquals("", Wire.untilClosed(socket));
    }
  }

  @Test
  void aHandshakeThatStopsHalfwayIsClosed() throws Exception {
    try (Socket socket = Wire.connect(proxy.port(), DEADLINE)) {
      // The first bytes of a TLS record header (handshake, TLS 1.0 record version), then nothing.
      socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
      socket.getOutputStream().flush();
      Wire.untilClosed(socket);
    }
  }

  @Test
  void aFinishedHandshakeIsNotCutWhileQuiet() throws Exception {
    try (SSLSocket socket =
        (SSLSocket) trustingAll().getSocketFactory().createSocket("127.0.0.1", proxy.port())) {
      socket.setSoTimeout((int) DEADLINE.toMillis());
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName("app.test")));
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      // Quiet for longer than the handshake timeout (the header timeout is far longer).
      Thread.sleep(HANDSHAKE_TIMEOUT.toMillis() + 700);
      Wire.send(socket, "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
      String got = Wire.response(socket);
      assertTrue(got.startsWith("HTTP/1.1 200 ") && got.endsWith("ok"), got);
    }
  }

  private static SSLContext trustingAll() throws Exception {
    TrustManager all =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {all}, null);
    return context;
  }
}
