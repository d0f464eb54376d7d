package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClientLimitsTest {

  @Test
  void limitsPerAddressAndForgetsIdleOnes() {
    ClientLimits limits = new ClientLimits(2);
    AtomicInteger a1 = limits.acquire("a");
    AtomicInteger a2 = limits.acquire("a");
    assertNotNull(a1);
    assertNotNull(a2);
    assertNull(limits.acquire("a"));
    AtomicInteger b = limits.acquire("b");
    assertNotNull(b);
    limits.release("a", a1);
    AtomicInteger a3 = limits.acquire("a");
    assertNotNull(a3);
    limits.release("a", a2);
    limits.release("a", a3);
    limits.release("b", b);
    assertEquals(0, limits.clients());
    assertEquals(0, limits.active("a"));
  }

  @Test
  void concurrentAcquireAndReleaseKeepsExactCounts() throws Exception {
    ClientLimits limits = new ClientLimits(1_000_000);
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 200_000; i++) {
                  AtomicInteger slot = limits.acquire("c");
                  limits.release("c", slot);
                }
              });
      thread.start();
      all.add(thread);
    }
    AtomicInteger held = limits.acquire("c");
    start.countDown();
    for (Thread thread : all) {
      thread.join();
    }
    assertEquals(1, limits.active("c"));
    limits.release("c", held);
    assertEquals(0, limits.clients());
  }
}
