package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tako.proxy.tls.AcmeChallenges;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestTriageTest {
  private static final Upstream A = new Upstream("127.0.0.1", 4001);
  private static final Path PUBLIC = Path.of("/srv/public");
  private static final AcmeChallenges ONE_TOKEN = token -> token.equals("tok") ? "tok.key" : null;
  private static final ProxyListener REDIRECTING = new ProxyListener.Plain(ONE_TOKEN, 8443);

  private static final RouteSnapshot ROUTES =
      RouteSnapshot.of(
          Map.of(
              "warm", new AppRoutes(List.of("warm.test"), List.of(A)),
              "down", new AppRoutes(List.of("down.test"), List.of()),
              "cold", new AppRoutes(List.of("cold.test"), List.of(), true, 0),
              "secure", new AppRoutes(List.of("secure.test"), List.of(A), false, 0, true, null),
              "files", new AppRoutes(List.of("files.test"), List.of(A), false, 0, false, PUBLIC)));

  private static RequestTriage.Request get(String host, String path) {
    return new RequestTriage.Request(host, path, "", true, false, -1);
  }

  private static RequestTriage.Decision decide(RequestTriage.Request r, ProxyListener listener) {
    return RequestTriage.decide(r, listener, ROUTES, 1000);
  }

  private static RequestTriage.Answer answer(RequestTriage.Decision d) {
    return assertInstanceOf(RequestTriage.Answer.class, d);
  }

  @Test
  void aKnownAcmeTokenIsAnsweredBeforeRouting() {
    RequestTriage.Decision d =
        decide(get("nowhere.test", "/.well-known/acme-challenge/tok"), REDIRECTING);
    assertEquals("tok.key", assertInstanceOf(RequestTriage.Challenge.class, d).keyAuthorization());
    assertNull(d.target());
  }

  @Test
  void anUnknownTokenIsRoutedButNeverRedirected() {
    RequestTriage.Decision d =
        decide(get("secure.test", "/.well-known/acme-challenge/other"), REDIRECTING);
    assertEquals("secure", assertInstanceOf(RequestTriage.Forward.class, d).target().appKey());
  }

  @Test
  void challengesAreOnlyAnsweredOnThePlainPortForGetAndHead() {
    RequestTriage.Request post =
        new RequestTriage.Request(
            "warm.test", "/.well-known/acme-challenge/tok", "", false, false, 0);
    assertInstanceOf(RequestTriage.Forward.class, decide(post, REDIRECTING));
    ProxyListener tls = new ProxyListener.Tls(null);
    assertInstanceOf(
        RequestTriage.Forward.class,
        decide(get("warm.test", "/.well-known/acme-challenge/tok"), tls));
  }

  @Test
  void unknownHostIs404WithoutTarget() {
    RequestTriage.Answer a = answer(decide(get("nowhere.test", "/"), ProxyListener.PLAIN));
    assertEquals(404, a.status());
    assertNull(a.target());
  }

  @Test
  void secureAppOnThePlainPortIsRedirectedToTheSameUrl() {
    RequestTriage.Request r =
        new RequestTriage.Request("secure.test:8080", "/a/b", "?q=1", true, false, -1);
    RequestTriage.Answer a = answer(decide(r, REDIRECTING));
    assertEquals(307, a.status());
    assertEquals("Location: https://secure.test:8443/a/b?q=1", a.header());
    RequestTriage.Answer on443 =
        answer(decide(r, new ProxyListener.Plain(AcmeChallenges.NONE, 443)));
    assertEquals("Location: https://secure.test/a/b?q=1", on443.header());
    RequestTriage.Request v6 = new RequestTriage.Request("[::1]:80", "/", "", true, false, -1);
    assertEquals("https://[::1]:8443/", HttpsRedirect.location(v6, 8443));
  }

  @Test
  void secureAppIsForwardedWhenThePortDoesNotRedirect() {
    assertInstanceOf(
        RequestTriage.Forward.class, decide(get("secure.test", "/"), ProxyListener.PLAIN));
  }

  @Test
  void noInstanceIs503AndScaledToZeroWaitsForAColdStart() {
    assertEquals(503, answer(decide(get("down.test", "/"), ProxyListener.PLAIN)).status());
    assertInstanceOf(
        RequestTriage.ColdStart.class, decide(get("cold.test", "/"), ProxyListener.PLAIN));
  }

  @Test
  void aBodyOverTheLimitIs413() {
    RequestTriage.Request big = new RequestTriage.Request("warm.test", "/", "", false, false, 1001);
    assertEquals(413, answer(decide(big, ProxyListener.PLAIN)).status());
    RequestTriage.Request fits =
        new RequestTriage.Request("warm.test", "/", "", false, false, 1000);
    assertInstanceOf(RequestTriage.Forward.class, decide(fits, ProxyListener.PLAIN));
  }

  @Test
  void getAndHeadOnAnAppWithFilesTryTheFileFirst() {
    RequestTriage.Static s =
        assertInstanceOf(
            RequestTriage.Static.class, decide(get("files.test", "/a.css"), ProxyListener.PLAIN));
    assertInstanceOf(RequestTriage.Forward.class, s.app());
    RequestTriage.Request post =
        new RequestTriage.Request("files.test", "/a.css", "", false, false, 0);
    assertInstanceOf(RequestTriage.Forward.class, decide(post, ProxyListener.PLAIN));
    RequestTriage.Request upgrade =
        new RequestTriage.Request("files.test", "/ws", "", true, true, -1);
    assertInstanceOf(RequestTriage.Forward.class, decide(upgrade, ProxyListener.PLAIN));
  }

  @Test
  void channelPathsAreTheProxysOwnEvenWithoutInstancesOrWithFiles() {
    for (String host : List.of("warm.test", "down.test", "cold.test", "files.test")) {
      RequestTriage.Decision d = decide(get(host, "/_tako/channels/news"), REDIRECTING);
      assertInstanceOf(RequestTriage.Channel.class, d, host);
      assertEquals(host.substring(0, host.indexOf('.')), d.target().appKey());
    }
    assertInstanceOf(
        RequestTriage.Channel.class, decide(get("warm.test", "/_tako/channels/"), REDIRECTING));
    assertInstanceOf(
        RequestTriage.Forward.class, decide(get("warm.test", "/_tako/channelsx"), REDIRECTING));
    assertEquals(
        404, answer(decide(get("nowhere.test", "/_tako/channels/news"), REDIRECTING)).status());
    assertEquals(
        307, answer(decide(get("secure.test", "/_tako/channels/news"), REDIRECTING)).status());
  }
}
