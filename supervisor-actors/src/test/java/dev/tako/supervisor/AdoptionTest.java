package dev.tako.supervisor;

import static dev.tako.supervisor.SupervisorTesting.alive;
import static dev.tako.supervisor.SupervisorTesting.get;
import static dev.tako.supervisor.SupervisorTesting.settings;
import static dev.tako.supervisor.SupervisorTesting.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.supervisor.AppSupervisor.AppStatus;
import dev.tako.supervisor.AppSupervisor.EndpointsChanged;
import dev.tako.supervisor.AppSupervisor.InstanceStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * App output through FIFOs that outlive the node, and a node process taking over the instances a
 * previous one left running: each actor system here stands for one node process.
 */
class AdoptionTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  /** A server that also prints a numbered line every 50 ms (Node.js dies of EPIPE on stdout). */
  static final String TICKING =
      """
      let n = 0;
      const ticking = setInterval(() => console.log('tick ' + (++n)), 50);
      require('http').createServer((q, s) => {
        if (q.url === '/bye') {
          clearInterval(ticking);
          s.end('bye');
          process.stdout.write('last words without a newline');
          console.error('goodbye on stderr');
          setTimeout(() => process.exit(0), 20);
          return;
        }
        s.end('ok');
      }).listen(+process.env.PORT, process.env.HOST);
      """;

  @TempDir Path root;

  private final List<ActorTestKit> kits = new ArrayList<>();
  private final List<Long> pids = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    kits.forEach(ActorTestKit::shutdownTestKit);
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    Instance.stopDetachedPumps();
  }

  private ActorTestKit node() {
    ActorTestKit kit = ActorTestKit.create();
    kits.add(kit);
    return kit;
  }

  private static AppStatus status(ActorTestKit kit, ActorRef<AppSupervisor.Command> sup) {
    TestProbe<AppStatus> probe = kit.createTestProbe(AppStatus.class);
    sup.tell(new AppSupervisor.GetStatus(probe.ref()));
    return probe.receiveMessage();
  }

  private static AppStatus awaitStatus(
      ActorTestKit kit, ActorRef<AppSupervisor.Command> sup, Predicate<AppStatus> condition) {
    TestProbe<AppStatus> probe = kit.createTestProbe(AppStatus.class);
    return probe.awaitAssert(
        WAIT,
        Duration.ofMillis(50),
        () -> {
          AppStatus s = status(kit, sup);
          assertTrue(condition.test(s), () -> "status not reached yet: " + s);
          return s;
        });
  }

  private static boolean oneReady(AppStatus s) {
    return s.instances().size() == 1
        && s.instances().get(0).state() == InstanceState.READY
        && s.instances().get(0).healthy();
  }

  private List<String> runDir() throws IOException {
    Path run = root.resolve("run");
    if (!Files.isDirectory(run)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(run)) {
      // Spare FIFOs made ahead for the next launches (FifoPool) belong to no instance.
      return files
          .map(f -> f.getFileName().toString())
          .filter(f -> !f.startsWith("spare-"))
          .sorted()
          .toList();
    }
  }

  private static List<String> lines(Path log) throws IOException {
    if (!Files.exists(log)) {
      return List.of();
    }
    return Files.readAllLines(log).stream().map(LogFormat::text).toList();
  }

  private static int lastTick(Path log) throws IOException {
    List<String> ticks = lines(log).stream().filter(l -> l.startsWith("tick ")).toList();
    return ticks.isEmpty() ? 0 : Integer.parseInt(ticks.get(ticks.size() - 1).substring(5));
  }

  /** Waits until the log holds a tick beyond {@code after}; returns the last one. */
  private static int awaitTickBeyond(ActorTestKit kit, Path log, int after) {
    return kit.createTestProbe()
        .awaitAssert(
            WAIT,
            Duration.ofMillis(50),
            () -> {
              int last = lastTick(log);
              assertTrue(last > after, () -> "no tick beyond " + after + " in " + log);
              return last;
            });
  }

  /** The flags its stdout is open with (from /proc: 02 is O_RDWR) and what it names. */
  private static String stdout(long pid) throws IOException {
    String flags =
        Files.readAllLines(Path.of("/proc/" + pid + "/fdinfo/1")).stream()
            .filter(l -> l.startsWith("flags:"))
            .findFirst()
            .orElseThrow();
    int accessMode = Integer.parseInt(flags.substring("flags:".length()).trim(), 8) & 3;
    return accessMode + " " + Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/1"));
  }

  @Test
  void aLaunchedAppsOutputReachesItsLogsThroughTheFifosUpToTheLastLine() throws Exception {
    ActorTestKit kit = node();
    ReleaseSpec spec = spec(root, "r1", TICKING);
    TestProbe<Instance.Event> events = kit.createTestProbe(Instance.Event.class);
    kit.spawn(
        Instance.create(
            "abcd1234", spec, settings(), new HealthProbe(Duration.ofSeconds(1)), events.ref()));
    Instance.Started started = events.expectMessageClass(Instance.Started.class, WAIT);
    pids.add(started.pid());
    events.expectMessageClass(Instance.Ready.class, WAIT);

    InstanceFiles files = new InstanceFiles(spec, "abcd1234");
    assertEquals(
        List.of("abcd1234.err.fifo", "abcd1234.json", "abcd1234.out.fifo", "abcd1234.pid"),
        runDir());
    RunFile run = RunFile.read(files.runFile());
    assertEquals(
        new RunFile("hello", "production", "r1", started.pid(), started.port(), run.startedAt()),
        run);
    assertEquals(started.startedAt(), run.startedAt());
    assertEquals("2 " + files.outFifo(), stdout(started.pid()), "read-write on its FIFO");
    assertTrue(
        ProcessHandle.of(started.pid()).orElseThrow().info().command().orElse("").endsWith("node"),
        "the process is the app itself, no shell in between");
    awaitTickBeyond(kit, files.outLog(), 2);

    assertEquals("bye", get(started.port(), "/bye"));
    Instance.Exited exited = events.expectMessageClass(Instance.Exited.class, WAIT);
    assertEquals(0, exited.exitCode());
    assertEquals("goodbye on stderr", exited.lastStderr().get(exited.lastStderr().size() - 1));
    List<String> out = lines(files.outLog());
    assertEquals("last words without a newline", out.get(out.size() - 1));
    assertTrue(out.contains("tick 1"), out::toString);
    assertEquals(List.of(), runDir(), "pid file, run file and FIFOs go with the process");
  }

  @Test
  void aDetachedInstanceOutlivesItsNodeAndTheNextNodeAdoptsIt() throws Exception {
    ReleaseSpec spec = spec(root, "r1", TICKING);
    ActorTestKit first = node();
    TestProbe<EndpointsChanged> routes = first.createTestProbe(EndpointsChanged.class);
    ActorRef<AppSupervisor.Command> sup =
        first.spawn(AppSupervisor.create("hello", "production", settings(), routes.ref()));
    sup.tell(new AppSupervisor.Restore(spec, 1));
    InstanceStatus before = awaitStatus(first, sup, AdoptionTest::oneReady).instances().get(0);
    long pid = before.pid();
    pids.add(pid);
    Path outLog = new InstanceFiles(spec, before.id()).outLog();
    awaitTickBeyond(first, outLog, 1);

    TestProbe<Done> detached = first.createTestProbe(Done.class);
    sup.tell(new AppSupervisor.Detach(detached.ref()));
    detached.expectMessage(WAIT, Done.getInstance());
    detached.expectTerminated(sup, WAIT);
    first.shutdownTestKit();
    // What this JVM exiting would do: nothing reads the FIFOs any more but the app itself.
    Instance.stopDetachedPumps();
    int atExit = lastTick(outLog);

    // The app keeps printing with no node reading: it would die of EPIPE on a plain pipe.
    ActorTestKit second = node();
    second.createTestProbe().expectNoMessage(Duration.ofMillis(600));
    assertTrue(alive(pid), "the app survived its node");
    assertEquals(atExit, lastTick(outLog), "nobody pumped its output meanwhile");
    assertTrue(runDir().contains(before.id() + ".json"));

    TestProbe<EndpointsChanged> routes2 = second.createTestProbe(EndpointsChanged.class);
    ActorRef<AppSupervisor.Command> next =
        second.spawn(AppSupervisor.create("hello", "production", settings(), routes2.ref()));
    RunFile run = RunFile.read(new InstanceFiles(spec, before.id()).runFile());
    next.tell(new AppSupervisor.Restore(spec, 1, List.of(run.adoptable(before.id()))));
    InstanceStatus adopted = awaitStatus(second, next, AdoptionTest::oneReady).instances().get(0);
    assertEquals(pid, adopted.pid());
    assertEquals(before.id(), adopted.id());
    assertEquals(before.port(), adopted.port());
    assertEquals(
        before.startedAt().truncatedTo(ChronoUnit.MILLIS),
        adopted.startedAt().truncatedTo(ChronoUnit.MILLIS),
        "the uptime continues");
    assertEquals("ok", get(adopted.port(), "/"));
    // The lines buffered in the FIFO while no node ran, then new ones.
    int beyond = awaitTickBeyond(second, outLog, atExit + 12);
    List<String> ticks = lines(outLog).stream().filter(l -> l.startsWith("tick ")).toList();
    for (int i = 0; i < beyond; i++) {
      assertEquals("tick " + (i + 1), ticks.get(i), "no line lost or split");
    }

    TestProbe<Done> stopped = second.createTestProbe(Done.class);
    next.tell(new AppSupervisor.StopAll(stopped.ref()));
    stopped.expectMessage(WAIT, Done.getInstance());
    assertFalse(alive(pid));
    assertEquals(List.of(), runDir());
  }

  /**
   * Starts a process as a node would (FIFOs, pid and run files) and leaves it running with nothing
   * reading its output, as a node process that went away would.
   */
  private Adoptable leftover(ReleaseSpec spec, String id, String script) throws Exception {
    Files.writeString(spec.releaseDir().resolve(id + ".js"), script);
    ReleaseSpec own =
        new ReleaseSpec(
            spec.app(),
            spec.env(),
            spec.release(),
            spec.releaseDir(),
            List.of("node", id + ".js"),
            spec.environment(),
            spec.healthPath(),
            spec.logsDir(),
            spec.runDir());
    InstanceFiles files = new InstanceFiles(own, id);
    files.createDirectories();
    files.createFifos();
    int port = ProcessLaunch.freePort();
    Instant startedAt = Instant.now();
    Process p = ProcessLaunch.builder(own, id, port, Map.of("PATH", System.getenv("PATH"))).start();
    pids.add(p.pid());
    files.writeRunFile(p.pid(), port, startedAt);
    files.writePid(p.pid());
    return new Adoptable(id, p.pid(), port, startedAt);
  }

  @Test
  void anAdoptedProcessThatNeverAnswersHealthIsReplacedByAFreshOne() throws Exception {
    ActorTestKit kit = node();
    ReleaseSpec spec = spec(root, "r1", SupervisorTesting.SERVER);
    Adoptable mute = leftover(spec, "aaaa0001", "setInterval(() => {}, 1000);");

    ActorRef<AppSupervisor.Command> sup =
        kit.spawn(
            AppSupervisor.create(
                "hello",
                "production",
                settings(Duration.ofSeconds(1)),
                kit.createTestProbe(EndpointsChanged.class).ref()));
    sup.tell(new AppSupervisor.Restore(spec, 1, List.of(mute)));
    InstanceStatus fresh =
        awaitStatus(kit, sup, s -> oneReady(s) && s.instances().get(0).pid() != mute.pid())
            .instances()
            .get(0);
    pids.add(fresh.pid());
    assertEquals("aaaa0001", fresh.id(), "the slot keeps the instance id");
    assertFalse(alive(mute.pid()), "the adopted process was stopped");
    assertTrue(fresh.startedAt().isAfter(mute.startedAt()));

    TestProbe<Done> stopped = kit.createTestProbe(Done.class);
    sup.tell(new AppSupervisor.StopAll(stopped.ref()));
    stopped.expectMessage(WAIT, Done.getInstance());
    assertFalse(alive(fresh.pid()));
  }

  @Test
  void adoptsUpToTheDesiredCountAndStopsTheRest() throws Exception {
    ActorTestKit kit = node();
    ReleaseSpec spec = spec(root, "r1", SupervisorTesting.SERVER);
    Adoptable one = leftover(spec, "aaaa0001", SupervisorTesting.SERVER);
    Adoptable two = leftover(spec, "aaaa0002", SupervisorTesting.SERVER);

    ActorRef<AppSupervisor.Command> sup =
        kit.spawn(
            AppSupervisor.create(
                "hello",
                "production",
                settings(),
                kit.createTestProbe(EndpointsChanged.class).ref()));
    sup.tell(new AppSupervisor.Restore(spec, 1, List.of(one, two)));
    InstanceStatus adopted = awaitStatus(kit, sup, AdoptionTest::oneReady).instances().get(0);
    assertEquals(one.pid(), adopted.pid());
    assertEquals(one.port(), adopted.port());
    kit.createTestProbe()
        .awaitAssert(
            WAIT,
            () -> {
              assertFalse(alive(two.pid()), "the extra one is stopped");
              return null;
            });
    assertFalse(runDir().contains("aaaa0002.pid"));

    TestProbe<Done> stopped = kit.createTestProbe(Done.class);
    sup.tell(new AppSupervisor.StopAll(stopped.ref()));
    stopped.expectMessage(WAIT, Done.getInstance());
    assertFalse(alive(one.pid()));
  }

  @Test
  void scaledToZeroItAdoptsOneAsAWokenInstanceStoppedOnceIdle() throws Exception {
    ActorTestKit kit = node();
    ReleaseSpec base = spec(root, "r1", SupervisorTesting.SERVER);
    ReleaseSpec spec =
        new ReleaseSpec(
            base.app(),
            base.env(),
            base.release(),
            base.releaseDir(),
            base.command(),
            base.environment(),
            base.healthPath(),
            base.logsDir(),
            base.runDir(),
            Duration.ofSeconds(1));
    Adoptable one = leftover(spec, "aaaa0001", SupervisorTesting.SERVER);

    TestProbe<EndpointsChanged> routes = kit.createTestProbe(EndpointsChanged.class);
    ActorRef<AppSupervisor.Command> sup =
        kit.spawn(
            AppSupervisor.create(
                "hello", "production", settings("idle-check-interval = 100ms"), routes.ref()));
    sup.tell(new AppSupervisor.Restore(spec, 0, List.of(one)));
    InstanceStatus woken = awaitStatus(kit, sup, AdoptionTest::oneReady).instances().get(0);
    assertEquals(one.pid(), woken.pid());
    assertEquals(0, status(kit, sup).desired());
    awaitStatus(kit, sup, s -> s.instances().isEmpty());
    assertFalse(alive(one.pid()), "stopped after the idle timeout");
    assertEquals(List.of(), runDir());
  }
}
