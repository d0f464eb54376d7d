package dev.tako.proxy.failover;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FailoverRulesTest {
  private static FailoverRules.Exchange exchange(
      boolean hopped, boolean answerStarted, boolean reachedApp, boolean idempotent, boolean body) {
    return new FailoverRules.Exchange(hopped, answerStarted, reachedApp, idempotent, body);
  }

  @Test
  void aRequestNoInstanceGotIsForwardedWhateverItsMethod() {
    assertTrue(FailoverRules.mayForward(exchange(false, false, false, false, true)));
    assertTrue(FailoverRules.mayForward(exchange(false, false, false, true, true)));
  }

  @Test
  void aMarkedRequestIsNeverForwardedAgain() {
    assertFalse(FailoverRules.mayForward(exchange(true, false, false, true, true)));
    assertFalse(FailoverRules.mayReplay(true, true));
  }

  @Test
  void aRequestThatReachedAnInstanceIsResentOnlyWhenIdempotent() {
    assertTrue(FailoverRules.mayForward(exchange(false, false, true, true, true)));
    assertFalse(FailoverRules.mayForward(exchange(false, false, true, false, true)));
  }

  @Test
  void nothingIsForwardedOnceTheVisitorGotBytesOfTheAnswer() {
    assertFalse(FailoverRules.mayForward(exchange(false, true, false, true, true)));
    assertFalse(FailoverRules.mayForward(exchange(false, true, true, true, true)));
  }

  @Test
  void aBodyThatCannotBeSentAgainKeepsTheRequestHere() {
    assertFalse(FailoverRules.mayForward(exchange(false, false, true, true, false)));
    assertFalse(FailoverRules.mayForward(exchange(false, false, false, false, false)));
    assertFalse(FailoverRules.mayReplay(false, false));
    assertTrue(FailoverRules.mayReplay(false, true));
  }

  @Test
  void bodiesUpToOneMebibyteAreKept() {
    assertTrue(FailoverRules.keepBody(-1));
    assertTrue(FailoverRules.keepBody(0));
    assertTrue(FailoverRules.keepBody(1024 * 1024));
    assertFalse(FailoverRules.keepBody(1024 * 1024 + 1));
  }
}
