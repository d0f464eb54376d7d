package dev.tako.supervisor;

import static dev.tako.supervisor.SupervisorTesting.alive;
import static dev.tako.supervisor.SupervisorTesting.get;
import static dev.tako.supervisor.SupervisorTesting.settings;
import static dev.tako.supervisor.SupervisorTesting.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tako.supervisor.AppSupervisor.AppStatus;
import dev.tako.supervisor.AppSupervisor.CandidateFailed;
import dev.tako.supervisor.AppSupervisor.CandidateReady;
import dev.tako.supervisor.AppSupervisor.CandidateResult;
import dev.tako.supervisor.AppSupervisor.EndpointsChanged;
import dev.tako.supervisor.AppSupervisor.InstanceStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppSupervisorTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path root;

  private final List<ActorRef<AppSupervisor.Command>> supervisors = new ArrayList<>();
  private TestProbe<EndpointsChanged> listener;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void stopEverything() {
    TestProbe<Done> done = testKit.createTestProbe(Done.class);
    for (ActorRef<AppSupervisor.Command> sup : supervisors) {
      // A supervisor stops only once its processes are gone (at once if a test stopped it already).
      sup.tell(new AppSupervisor.StopAll(done.ref()));
      done.expectTerminated(sup, WAIT);
    }
  }

  private ActorRef<AppSupervisor.Command> supervisor(SupervisorSettings settings) {
    return supervisor(settings, InFlight.NONE);
  }

  private ActorRef<AppSupervisor.Command> supervisor(
      SupervisorSettings settings, InFlight inFlight) {
    listener = testKit.createTestProbe(EndpointsChanged.class);
    ActorRef<AppSupervisor.Command> sup =
        testKit.spawn(
            AppSupervisor.create("hello", "production", settings, listener.ref(), inFlight));
    supervisors.add(sup);
    return sup;
  }

  private static AppStatus status(ActorRef<AppSupervisor.Command> sup) {
    TestProbe<AppStatus> probe = testKit.createTestProbe(AppStatus.class);
    sup.tell(new AppSupervisor.GetStatus(probe.ref()));
    return probe.receiveMessage();
  }

  private static AppStatus awaitStatus(
      ActorRef<AppSupervisor.Command> sup, Predicate<AppStatus> condition) {
    TestProbe<AppStatus> probe = testKit.createTestProbe(AppStatus.class);
    return probe.awaitAssert(
        WAIT,
        Duration.ofMillis(50),
        () -> {
          AppStatus s = status(sup);
          assertTrue(condition.test(s), () -> "status not reached yet: " + s);
          return s;
        });
  }

  private EndpointsChanged awaitEndpoints(Predicate<EndpointsChanged> condition) {
    List<EndpointsChanged> seen =
        listener.fishForMessage(
            WAIT,
            m ->
                condition.test(m)
                    ? FishingOutcomes.complete()
                    : FishingOutcomes.continueAndIgnore());
    return seen.get(seen.size() - 1);
  }

  private CandidateResult startCandidate(
      ActorRef<AppSupervisor.Command> sup, ReleaseSpec spec, int instances) {
    TestProbe<CandidateResult> reply = testKit.createTestProbe(CandidateResult.class);
    sup.tell(new AppSupervisor.StartCandidate(spec, instances, reply.ref()));
    return reply.receiveMessage(WAIT);
  }

  private static void promote(ActorRef<AppSupervisor.Command> sup) {
    TestProbe<Done> done = testKit.createTestProbe(Done.class);
    sup.tell(new AppSupervisor.PromoteCandidate(done.ref()));
    done.expectMessage(Done.getInstance());
  }

  private static void stopAll(ActorRef<AppSupervisor.Command> sup) {
    TestProbe<Done> done = testKit.createTestProbe(Done.class);
    sup.tell(new AppSupervisor.StopAll(done.ref()));
    done.expectMessage(WAIT, Done.getInstance());
    done.expectTerminated(sup, WAIT);
  }

  private List<Path> pidFiles() throws IOException {
    Path run = root.resolve("run");
    if (!Files.isDirectory(run)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(run)) {
      // Spare FIFOs made ahead for the next launches (FifoPool) belong to no instance.
      return files.filter(f -> !f.getFileName().toString().startsWith("spare-")).toList();
    }
  }

  @Test
  void candidateBecomesReadyWithItsEnvironmentAndLogs() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    CandidateResult result = startCandidate(sup, spec(root, "r1", SupervisorTesting.SERVER), 1);

    CandidateReady ready = assertInstanceOf(CandidateReady.class, result);
    assertEquals("r1", ready.release());
    assertEquals(1, ready.endpoints().size());
    Endpoint endpoint = ready.endpoints().get(0);
    assertEquals("127.0.0.1", endpoint.host());

    JsonNode env = new ObjectMapper().readTree(get(endpoint.port(), "/")).get("env");
    assertEquals(Integer.toString(endpoint.port()), env.get("PORT").asText());
    assertEquals("127.0.0.1", env.get("HOST").asText());
    assertEquals(endpoint.instanceId(), env.get("TAKO_INSTANCE").asText());
    assertEquals("hello", env.get("TAKO_APP").asText());
    assertEquals("r1", env.get("TAKO_RELEASE").asText());
    assertEquals("hi", env.get("GREETING").asText());
    Set<String> allowed =
        Set.of(
            "PATH",
            "HOME",
            "LANG",
            "LC_ALL",
            "TZ",
            "PORT",
            "HOST",
            "TAKO_INSTANCE",
            "PWD",
            "TAKO_APP",
            "TAKO_ENV",
            "TAKO_RELEASE",
            "GREETING");
    Set<String> names = new HashSet<>();
    env.fieldNames().forEachRemaining(names::add);
    assertTrue(allowed.containsAll(names), () -> "unexpected variables: " + names);

    AppStatus status = status(sup);
    assertEquals(null, status.release(), "a candidate is not current");
    InstanceStatus instance = status.instances().get(0);
    assertEquals(InstanceState.READY, instance.state());
    assertTrue(instance.healthy());
    assertEquals("r1", instance.release());
    assertNotNull(instance.startedAt());
    long pid = instance.pid();
    assertTrue(alive(pid));
    Path pidFile = root.resolve("run").resolve(endpoint.instanceId() + ".pid");
    assertEquals(Long.toString(pid), Files.readString(pidFile).trim());
    Path logs = root.resolve("logs");
    assertTrue(
        Files.readString(logs.resolve("hello-" + endpoint.instanceId() + ".out.log"))
            .contains("out: starting r1"));
    assertTrue(
        Files.readString(logs.resolve("hello-" + endpoint.instanceId() + ".err.log"))
            .contains("err: starting r1"));
    listener.expectNoMessage(Duration.ofMillis(100));

    stopAll(sup);
    assertFalse(alive(pid));
    assertFalse(Files.exists(pidFile));
  }

  @Test
  void candidateFailsWhenTheAppExitsAtOnce() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    String script =
        "console.error('connecting'); console.error('fatal: DATABASE_URL is not set');"
            + " process.exit(3)";
    CandidateResult result = startCandidate(sup, spec(root, "r1", script), 2);

    CandidateFailed failed = assertInstanceOf(CandidateFailed.class, result);
    assertEquals("r1", failed.release());
    assertEquals(3, failed.exitCode());
    assertTrue(failed.reason().contains("exited with code 3"), failed.reason());
    assertEquals(List.of("connecting", "fatal: DATABASE_URL is not set"), failed.lastStderr());
    awaitStatus(sup, s -> s.instances().isEmpty());
    assertEquals(List.of(), pidFiles());
  }

  @Test
  void candidateFailsWhenTheCommandDoesNotExist() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    ReleaseSpec base = spec(root, "r1", SupervisorTesting.SERVER);
    ReleaseSpec missing =
        new ReleaseSpec(
            base.app(),
            base.env(),
            base.release(),
            base.releaseDir(),
            List.of("./no-such-server"),
            base.environment(),
            base.healthPath(),
            base.logsDir(),
            base.runDir());

    CandidateFailed failed =
        assertInstanceOf(CandidateFailed.class, startCandidate(sup, missing, 1));
    assertTrue(failed.reason().contains("cannot start ./no-such-server"), failed.reason());
    awaitStatus(sup, s -> s.instances().isEmpty());
  }

  @Test
  void candidateFailsWhenHealthNeverAnswers2xx() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings(Duration.ofSeconds(1)));
    String script =
        "require('http').createServer((q,s)=>{ s.statusCode = 500; s.end('no') })"
            + ".listen(+process.env.PORT, process.env.HOST)";
    TestProbe<CandidateResult> reply = testKit.createTestProbe(CandidateResult.class);
    sup.tell(new AppSupervisor.StartCandidate(spec(root, "r1", script), 1, reply.ref()));
    long pid = awaitStatus(sup, s -> s.instances().get(0).pid() != null).instances().get(0).pid();

    CandidateFailed failed = assertInstanceOf(CandidateFailed.class, reply.receiveMessage(WAIT));
    assertTrue(failed.reason().contains("not ready within 1000 ms"), failed.reason());
    assertTrue(failed.reason().contains("HTTP 500"), failed.reason());
    assertFalse(alive(pid), "the failed candidate's process is gone when the reply arrives");
    awaitStatus(sup, s -> s.instances().isEmpty());
  }

  @Test
  void candidateFailsWhenHealthFailsInsideTheStabilityWindow() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    String script =
        "let n = 0; require('http').createServer((q,s)=>{ n++; s.statusCode = n === 1 ? 200 : 500;"
            + " s.end() }).listen(+process.env.PORT, process.env.HOST)";

    CandidateFailed failed =
        assertInstanceOf(CandidateFailed.class, startCandidate(sup, spec(root, "r1", script), 1));
    assertTrue(failed.reason().contains("stability window"), failed.reason());
    assertTrue(failed.reason().contains("HTTP 500"), failed.reason());
    awaitStatus(sup, s -> s.instances().isEmpty());
  }

  @Test
  void anAppIgnoringSigtermIsKilledAfterTheGrace() throws Exception {
    SupervisorSettings shortGrace = SupervisorTesting.settings("term-grace = 300ms");
    ActorRef<AppSupervisor.Command> sup = supervisor(shortGrace);
    String script =
        "process.on('SIGTERM', () => console.error('ignoring SIGTERM'));"
            + SupervisorTesting.SERVER;
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", script), 1));
    awaitEndpoints(m -> m.endpoints().size() == 1);
    long pid = status(sup).instances().get(0).pid();

    stopAll(sup);
    assertFalse(alive(pid));
  }

  @Test
  void promoteSwitchesEndpointsAndStopsTheOldProcess() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    CandidateReady first =
        assertInstanceOf(
            CandidateReady.class,
            startCandidate(sup, spec(root, "r1", SupervisorTesting.SERVER), 1));
    promote(sup);
    assertEquals(
        new EndpointsChanged("hello", "production", "r1", first.endpoints()),
        awaitEndpoints(m -> true));
    long oldPid = status(sup).instances().get(0).pid();

    CandidateReady second =
        assertInstanceOf(
            CandidateReady.class,
            startCandidate(sup, spec(root, "r2", SupervisorTesting.SERVER), 1));
    assertEquals(
        assertInstanceOf(
            CandidateReady.class,
            startCandidate(sup, spec(root, "r1", SupervisorTesting.SERVER), 1)),
        first,
        "the current release is ready at once");
    promote(sup);
    assertEquals(
        new EndpointsChanged("hello", "production", "r2", second.endpoints()),
        listener.receiveMessage());
    AppStatus switched = status(sup);
    assertEquals("r2", switched.release());
    assertTrue(
        switched.instances().stream()
            .anyMatch(i -> i.release().equals("r1") && i.state() == InstanceState.DRAINING));

    awaitStatus(sup, s -> s.instances().stream().allMatch(i -> i.release().equals("r2")));
    assertFalse(alive(oldPid));
    JsonNode body = new ObjectMapper().readTree(get(second.endpoints().get(0).port(), "/"));
    assertEquals("r2", body.get("release").asText());
    stopAll(sup);
  }

  /** The proxy's side of {@link InFlight} for one port: requests held, then all ended at once. */
  private static final class HeldRequests implements InFlight {
    final AtomicInteger port = new AtomicInteger();
    final AtomicInteger held = new AtomicInteger();
    final AtomicInteger countCalls = new AtomicInteger();
    final List<Runnable> whenIdle = new CopyOnWriteArrayList<>();

    /** Told the port of every question to the proxy, so a test can see it is not polled. */
    final TestProbe<Integer> asked = testKit.createTestProbe(Integer.class);

    @Override
    public int count(int p) {
      countCalls.incrementAndGet();
      asked.ref().tell(p);
      return p == port.get() ? held.get() : 0;
    }

    @Override
    public void whenIdle(int p, Runnable idle) {
      if (count(p) <= 0) {
        idle.run();
      } else {
        whenIdle.add(idle);
      }
    }

    void endAll() {
      held.set(0);
      whenIdle.forEach(Runnable::run);
      whenIdle.clear();
    }
  }

  /** Runs r1, holds a request to its instance, switches to r2; returns r1's (draining) instance. */
  private AppSupervisor.InstanceStatus replaceWithARequestInFlight(
      ActorRef<AppSupervisor.Command> sup, HeldRequests proxy) throws IOException {
    startCandidate(sup, spec(root, "r1", SupervisorTesting.SERVER), 1);
    promote(sup);
    AppSupervisor.InstanceStatus old = status(sup).instances().get(0);
    proxy.port.set(old.port());
    proxy.held.set(1);
    startCandidate(sup, spec(root, "r2", SupervisorTesting.SERVER), 1);
    promote(sup);
    return old;
  }

  @Test
  void aDrainingInstanceStopsWhenItsLastRequestEndsWithoutPolling() throws Exception {
    HeldRequests proxy = new HeldRequests();
    ActorRef<AppSupervisor.Command> sup = supervisor(settings("drain-timeout = 30s"), proxy);
    AppSupervisor.InstanceStatus old = replaceWithARequestInFlight(sup, proxy);
    // Once the drain delay (100 ms) is over, the drain waits for the proxy's idle signal, and no
    // question reaches the proxy for a second: nothing polls.
    proxy.asked.awaitAssert(
        WAIT,
        () -> {
          assertFalse(proxy.whenIdle.isEmpty(), "the drain waits for the idle signal");
          return null;
        });
    proxy.asked.receiveSeveralMessages(proxy.countCalls.get()); // the questions asked so far
    proxy.asked.expectNoMessage(Duration.ofSeconds(1));
    assertTrue(alive(old.pid()), "a request is still in flight to the old instance");
    assertTrue(
        status(sup).instances().stream()
            .anyMatch(i -> i.release().equals("r1") && i.state() == InstanceState.DRAINING));
    assertTrue(
        proxy.countCalls.get() <= 2,
        "the drain asks the proxy once and waits for its signal, it does not poll: "
            + proxy.countCalls.get());

    proxy.endAll();
    awaitStatus(sup, s -> s.instances().stream().allMatch(i -> i.release().equals("r2")));
    assertFalse(alive(old.pid()));
    stopAll(sup);
  }

  @Test
  void aDrainingInstanceStopsAtTheDrainTimeoutWhateverIsInFlight() throws Exception {
    HeldRequests proxy = new HeldRequests();
    ActorRef<AppSupervisor.Command> sup = supervisor(settings("drain-timeout = 500ms"), proxy);
    AppSupervisor.InstanceStatus old = replaceWithARequestInFlight(sup, proxy);
    awaitStatus(sup, s -> s.instances().stream().allMatch(i -> i.release().equals("r2")));
    assertFalse(alive(old.pid()));
    stopAll(sup);
  }

  @Test
  void abortStopsTheCandidateAndKeepsTheCurrentRelease() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", SupervisorTesting.SERVER), 1));
    EndpointsChanged serving = awaitEndpoints(m -> m.endpoints().size() == 1);
    CandidateReady candidate =
        assertInstanceOf(
            CandidateReady.class,
            startCandidate(sup, spec(root, "r2", SupervisorTesting.SERVER), 1));
    long candidatePid =
        status(sup).instances().stream()
            .filter(i -> i.release().equals("r2"))
            .findFirst()
            .orElseThrow()
            .pid();

    TestProbe<Done> done = testKit.createTestProbe(Done.class);
    sup.tell(new AppSupervisor.AbortCandidate(done.ref()));
    done.expectMessage(WAIT, Done.getInstance());
    assertFalse(alive(candidatePid));
    AppStatus after = status(sup);
    assertEquals("r1", after.release());
    assertEquals(1, after.instances().size());
    assertEquals(serving.endpoints().get(0).port(), after.instances().get(0).port());
    assertNotEquals(candidate.endpoints(), serving.endpoints());
    listener.expectNoMessage(Duration.ofMillis(100));
    stopAll(sup);
  }

  @Test
  void crashedInstanceIsRestartedWithANewProcess() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", SupervisorTesting.SERVER), 1));
    Endpoint endpoint = awaitEndpoints(m -> m.endpoints().size() == 1).endpoints().get(0);
    long pid = status(sup).instances().get(0).pid();

    try {
      get(endpoint.port(), "/crash");
    } catch (IOException expected) {
      // the app exits without answering
    }
    awaitEndpoints(m -> m.endpoints().isEmpty());
    EndpointsChanged back = awaitEndpoints(m -> m.endpoints().size() == 1);
    assertEquals(endpoint.instanceId(), back.endpoints().get(0).instanceId());
    InstanceStatus restarted =
        awaitStatus(sup, s -> s.instances().get(0).state() == InstanceState.READY)
            .instances()
            .get(0);
    assertEquals(1, restarted.restarts());
    assertNotEquals(pid, restarted.pid());
    assertFalse(alive(pid));
    assertTrue(alive(restarted.pid()));
    stopAll(sup);
    assertFalse(alive(restarted.pid()));
  }

  @Test
  void crashLoopShowsFailedWithExitCodeAndStderr() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    String script = "console.error('cannot reach the database'); process.exit(7)";
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", script), 1));

    InstanceStatus failed =
        awaitStatus(
                sup,
                s ->
                    !s.instances().isEmpty()
                        && s.instances().get(0).state() == InstanceState.FAILED)
            .instances()
            .get(0);
    assertEquals(7, failed.exitCode());
    assertTrue(failed.reason().contains("exited with code 7"), failed.reason());
    assertTrue(failed.lastStderr().contains("cannot reach the database"));
    assertTrue(failed.restarts() >= 2, "restarts: " + failed.restarts());
    assertFalse(failed.healthy());
    // It keeps retrying.
    awaitStatus(sup, s -> s.instances().get(0).restarts() > failed.restarts());
    stopAll(sup);
  }

  @Test
  void unhealthyInstanceLeavesTheEndpointsAndIsReplaced() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", SupervisorTesting.SERVER), 1));
    Endpoint endpoint = awaitEndpoints(m -> m.endpoints().size() == 1).endpoints().get(0);
    long pid = status(sup).instances().get(0).pid();

    get(endpoint.port(), "/sick");
    awaitEndpoints(m -> m.endpoints().isEmpty());
    awaitEndpoints(m -> m.endpoints().size() == 1);
    InstanceStatus replaced = status(sup).instances().get(0);
    assertEquals(1, replaced.restarts());
    assertNotEquals(pid, replaced.pid());
    assertFalse(alive(pid));
    stopAll(sup);
  }

  @Test
  void scaleChangesTheEndpointsAndStopAllLeavesNoProcess() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", SupervisorTesting.SERVER), 1));
    awaitEndpoints(m -> m.endpoints().size() == 1);

    sup.tell(new AppSupervisor.Scale(2));
    EndpointsChanged two = awaitEndpoints(m -> m.endpoints().size() == 2);
    assertNotEquals(two.endpoints().get(0).port(), two.endpoints().get(1).port());
    AppStatus status = status(sup);
    assertEquals(2, status.desired());
    List<Long> pids = status.instances().stream().map(InstanceStatus::pid).toList();
    assertEquals(2, pids.size());

    sup.tell(new AppSupervisor.Scale(3));
    awaitEndpoints(m -> m.endpoints().size() == 3);
    List<Long> all = status(sup).instances().stream().map(InstanceStatus::pid).toList();
    stopAll(sup);
    assertEquals(
        new EndpointsChanged("hello", "production", "r1", List.of()), awaitEndpoints(m -> true));
    for (long pid : all) {
      assertFalse(alive(pid), "process " + pid + " survived StopAll");
    }
    assertEquals(List.of(), pidFiles());
  }

  @Test
  void retireWithdrawsTheEndpointsFirstAndStopsOnceNoRequestIsInFlight() throws Exception {
    java.util.concurrent.atomic.AtomicInteger busy =
        new java.util.concurrent.atomic.AtomicInteger(1);
    List<Runnable> onIdle = new java.util.concurrent.CopyOnWriteArrayList<>();
    // As the proxy's counts do: a request in flight to every instance until busy drops to 0, then
    // the idle signal.
    InFlight inFlight =
        new InFlight() {
          @Override
          public int count(int port) {
            return busy.get();
          }

          @Override
          public void whenIdle(int port, Runnable idle) {
            if (busy.get() <= 0) {
              idle.run();
            } else {
              onIdle.add(idle);
            }
          }
        };
    listener = testKit.createTestProbe(EndpointsChanged.class);
    ActorRef<AppSupervisor.Command> sup =
        testKit.spawn(
            AppSupervisor.create("hello", "production", settings(), listener.ref(), inFlight));
    supervisors.add(sup);
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", SupervisorTesting.SERVER), 2));
    awaitEndpoints(m -> m.endpoints().size() == 2);
    List<Long> pids = status(sup).instances().stream().map(InstanceStatus::pid).toList();

    TestProbe<Done> done = testKit.createTestProbe(Done.class);
    sup.tell(new AppSupervisor.Retire(done.ref()));
    assertEquals(List.of(), awaitEndpoints(m -> true).endpoints());
    // A request is still in flight: past the drain delay (100 ms) the processes keep running.
    done.expectNoMessage(Duration.ofMillis(600));
    pids.forEach(pid -> assertTrue(alive(pid), "process " + pid + " stopped while busy"));

    busy.set(0);
    onIdle.forEach(Runnable::run);
    done.expectMessage(WAIT, Done.getInstance());
    done.expectTerminated(sup, WAIT);
    pids.forEach(pid -> assertFalse(alive(pid), "process " + pid + " survived Retire"));
    assertEquals(List.of(), pidFiles());
  }

  @Test
  void scaleToZeroStopsTheCurrentInstances() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(settings());
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", SupervisorTesting.SERVER), 2));
    awaitEndpoints(m -> m.endpoints().size() == 2);
    List<Long> pids = status(sup).instances().stream().map(InstanceStatus::pid).toList();

    sup.tell(new AppSupervisor.Scale(0));
    assertEquals(List.of(), awaitEndpoints(m -> true).endpoints());
    AppStatus empty = awaitStatus(sup, s -> s.instances().isEmpty());
    assertEquals("r1", empty.release());
    assertEquals(0, empty.desired());
    pids.forEach(pid -> assertFalse(alive(pid)));
    stopAll(sup);
  }

  private static ReleaseSpec idle(ReleaseSpec spec, Duration idleTimeout) {
    return new ReleaseSpec(
        spec.app(),
        spec.env(),
        spec.release(),
        spec.releaseDir(),
        spec.command(),
        spec.environment(),
        spec.healthPath(),
        spec.logsDir(),
        spec.runDir(),
        idleTimeout);
  }

  private static SupervisorSettings fastIdleChecks() {
    return SupervisorTesting.settings("cold-probe-interval = 15ms, idle-check-interval = 50ms");
  }

  @Test
  void aColdAppWakesOnceAndStopsAgainWhenIdle() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(fastIdleChecks());
    ReleaseSpec spec = idle(spec(root, "r1", SupervisorTesting.SERVER), Duration.ofMillis(800));
    sup.tell(new AppSupervisor.Restore(spec, 0));
    EndpointsChanged cold = awaitEndpoints(m -> m.cold());
    assertEquals(List.of(), cold.endpoints());
    assertEquals(List.of(), status(sup).instances());

    for (int i = 0; i < 5; i++) {
      sup.tell(AppSupervisor.WakeUp.INSTANCE);
    }
    EndpointsChanged woken = awaitEndpoints(m -> m.endpoints().size() == 1);
    assertTrue(woken.cold(), "still scaled to zero");
    AppStatus one = status(sup);
    assertEquals(0, one.desired());
    assertEquals(1, one.instances().size());
    long pid = one.instances().get(0).pid();

    awaitEndpoints(m -> m.endpoints().isEmpty());
    awaitStatus(sup, st -> st.instances().isEmpty());
    assertFalse(alive(pid));
  }

  @Test
  void aColdStartThatFailsCountsAFailureAndStaysCold() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(fastIdleChecks());
    sup.tell(new AppSupervisor.Restore(spec(root, "r1", "process.exit(3);"), 0));
    awaitEndpoints(m -> m.cold());
    sup.tell(AppSupervisor.WakeUp.INSTANCE);
    EndpointsChanged failed = awaitEndpoints(m -> m.wakeFailures() == 1);
    assertTrue(failed.cold());
    awaitStatus(sup, st -> st.instances().isEmpty());
  }

  @Test
  void aDeployAtZeroKeepsOneWarmInstanceUntilIdle() throws Exception {
    ActorRef<AppSupervisor.Command> sup = supervisor(fastIdleChecks());
    ReleaseSpec spec = idle(spec(root, "r1", SupervisorTesting.SERVER), Duration.ofMillis(800));
    assertInstanceOf(CandidateReady.class, startCandidate(sup, spec, 0));
    promote(sup);
    EndpointsChanged warm = awaitEndpoints(m -> m.endpoints().size() == 1);
    assertTrue(warm.cold());
    assertEquals(0, status(sup).desired());
    awaitEndpoints(m -> m.endpoints().isEmpty());
    awaitStatus(sup, st -> st.instances().isEmpty());
  }

  private static <T> T assertInstanceOf(Class<T> type, Object value) {
    return org.junit.jupiter.api.Assertions.assertInstanceOf(type, value, () -> "got " + value);
  }
}
