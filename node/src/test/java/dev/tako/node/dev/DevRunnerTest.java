package dev.tako.node.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.tako.supervisor.AppSupervisor;
import dev.tako.supervisor.ReleaseSpec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev runner with a real Node process that, like many dev tools, holds a fixed port besides
 * {@code PORT}: a restart stops the old process before the new one starts (else the new one would
 * crash on the taken port), and a stop answers once the process is gone.
 */
class DevRunnerTest {
  @TempDir Path dir;
  private ActorSystem<DevRunner.Command> system;
  private final LinkedBlockingQueue<AppSupervisor.EndpointsChanged> endpoints =
      new LinkedBlockingQueue<>();

  @AfterEach
  void terminate() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRestartStopsTheOldProcessBeforeTheNewOneStarts() throws Exception {
    int fixed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      fixed = s.getLocalPort();
    }
    Files.writeString(
        dir.resolve("server.js"),
        """
        require('net').createServer().listen(+process.env.FIXED_PORT, '127.0.0.1');
        require('http').createServer((q, s) => s.end('ok'))
          .listen(+process.env.PORT, process.env.HOST);
        """);
    system =
        ActorSystem.create(
            DevRunner.create(DevSession.settings(), endpoints::add),
            "dev-runner-test",
            DevSession.config());

    system.tell(new DevRunner.Run(spec("dev-1", fixed)));
    awaitReady("dev-1");
    AppSupervisor.InstanceStatus first = status().instances().get(0);

    system.tell(new DevRunner.Run(spec("dev-2", fixed)));
    awaitReady("dev-2");
    AppSupervisor.AppStatus now = status();
    assertEquals("dev-2", now.release());
    AppSupervisor.InstanceStatus second = now.instances().get(0);
    assertEquals(0, second.restarts(), "the new process never found the fixed port taken");
    assertNotEquals(first.pid(), second.pid());
    assertFalse(alive(first.pid()), "the old process is gone");

    AskPattern.<DevRunner.Command, Done>ask(
            system, DevRunner.Stop::new, Duration.ofSeconds(20), system.scheduler())
        .toCompletableFuture()
        .get(25, TimeUnit.SECONDS);
    assertFalse(alive(second.pid()), "Stop answers once the process is gone");
    assertEquals(List.of(), status().instances());
  }

  private ReleaseSpec spec(String release, int fixedPort) {
    return new ReleaseSpec(
        "runner",
        DevPlan.ENV,
        release,
        dir,
        List.of("node", "server.js"),
        Map.of("FIXED_PORT", Integer.toString(fixedPort), "TAKO_RELEASE", release),
        "/",
        dir.resolve("logs"),
        dir.resolve("run"));
  }

  private void awaitReady(String release) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      AppSupervisor.EndpointsChanged e = endpoints.poll(100, TimeUnit.MILLISECONDS);
      if (e != null && release.equals(e.release()) && !e.endpoints().isEmpty()) {
        return;
      }
    }
    throw new AssertionError(release + " never became ready");
  }

  private AppSupervisor.AppStatus status() throws Exception {
    return AskPattern.<DevRunner.Command, AppSupervisor.AppStatus>ask(
            system, DevRunner.GetStatus::new, Duration.ofSeconds(5), system.scheduler())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static boolean alive(Long pid) {
    return pid != null && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
