package dev.tako.node.upgrade;

import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.TcpProxy;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replacing this node's process without dropping a request ({@code tako servers upgrade}, SPEC
 * §14), the old process's side. {@link #begin} (the API's {@code POST /v1/node/handover}):
 *
 * <ol>
 *   <li>the proxy's routes are frozen and its public ports kept past the actor system;
 *   <li>the app supervisors let go of their processes without stopping them (they keep running,
 *       their output goes on through their FIFOs, and the next process adopts them);
 *   <li>the actor system shuts down: the node leaves the cluster, the journal's lock, the cluster,
 *       API, node-to-node and metrics ports are released; the proxy keeps answering from the frozen
 *       routes;
 *   <li>the next process is started with this process's own command line (so from the distribution
 *       now installed) and {@link Successor#ENV} naming this pid; it adopts the instances, listens
 *       on the proxy ports beside this process ({@code SO_REUSEPORT}) once they are ready, and
 *       sends this process SIGTERM;
 *   <li>on SIGTERM the proxy ports are drained ({@link TcpProxy.Binding#drain}) and the process
 *       exits.
 * </ol>
 *
 * A next process that exits before it took over is started again (with a growing pause), from
 * whatever distribution is installed by then: {@code tako servers upgrade} puts the previous one
 * back when the new one does not come up, and this process starts that.
 */
public final class NodeHandover {
  private static final Logger LOG = LoggerFactory.getLogger(NodeHandover.class);

  /** One node per JVM: the process-wide fact that this process is being replaced. */
  private static final AtomicBoolean HANDING_OVER = new AtomicBoolean();

  /** The shutdown reason of a handover (the actor system stops, the process stays). */
  public static final CoordinatedShutdown.Reason REASON = new HandoverReason();

  private static final class HandoverReason implements CoordinatedShutdown.Reason {
    @Override
    public String toString() {
      return "HandoverReason";
    }
  }

  /** Time for the answer to the API request that began the handover to reach the caller. */
  private static final long ANSWER_DELAY_MS = 500;

  private final ActorSystem<?> system;
  private final RouteSnapshots routes;
  private final Supplier<CompletionStage<Done>> detachApps;
  private final Duration drainGrace;
  private final List<TcpProxy.Binding> publicPorts = new CopyOnWriteArrayList<>();
  private final CountDownLatch exiting = new CountDownLatch(1);

  public NodeHandover(
      ActorSystem<?> system,
      RouteSnapshots routes,
      Supplier<CompletionStage<Done>> detachApps,
      Duration drainGrace) {
    this.system = system;
    this.routes = routes;
    this.detachApps = detachApps;
    this.drainGrace = drainGrace;
  }

  /** Whether this process is being replaced (its apps are not stopped when its system stops). */
  public static boolean handingOver() {
    return HANDING_OVER.get();
  }

  /** A public proxy port (HTTP, HTTPS) that serves on during a handover. */
  public void publicPort(TcpProxy.Binding binding) {
    publicPorts.add(binding);
  }

  /** What {@link #begin} did. */
  public enum Begun {
    STARTED,
    ALREADY_UNDER_WAY,
    /**
     * Under systemd without a notify socket (a unit written before handovers existed): the next
     * process could not become the unit's main process, so the node must be restarted instead.
     */
    NOT_POSSIBLE
  }

  /** Starts the handover in the background. */
  public Begun begin() {
    if (System.getenv("INVOCATION_ID") != null && System.getenv("NOTIFY_SOCKET") == null) {
      return Begun.NOT_POSSIBLE;
    }
    if (!HANDING_OVER.compareAndSet(false, true)) {
      return Begun.ALREADY_UNDER_WAY;
    }
    LOG.info("handing over to a new node process (tako servers upgrade)");
    TcpProxy.migrateQueuedConnections();
    routes.freeze();
    publicPorts.forEach(TcpProxy.Binding::keepAfterTermination);
    // Non-daemon: keeps the JVM (and its proxy loops, which are daemons) alive after Pekko's
    // threads are gone, until SIGTERM from the next process.
    Thread handover = new Thread(this::run, "tako-handover");
    handover.setDaemon(false);
    // The API's answer (202) leaves before the API goes away with the actor system, which keeps
    // the JVM alive until then.
    CompletableFuture.delayedExecutor(ANSWER_DELAY_MS, TimeUnit.MILLISECONDS)
        .execute(handover::start);
    return Begun.STARTED;
  }

  private void run() {
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(this::drain, "tako-handover-drain"));
      try {
        detachApps.get().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("the apps did not all let go of their processes in time: {}", e.toString());
      }
      CoordinatedShutdown.get(system).run(REASON);
      system.getWhenTerminated().toCompletableFuture().get();
      LOG.info(
          "the actor system stopped; the proxy serves on ports {} until the next process takes"
              + " over",
          publicPorts.stream().map(b -> b.localAddress().getPort()).toList());
      startSuccessor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.error("handover failed", e);
    }
  }

  /** Starts the next process; again (after a pause) when it ends before it took over. */
  private void startSuccessor() throws InterruptedException {
    long pause = 2_000;
    while (exiting.getCount() > 0) {
      Process next;
      try {
        next = successorCommand().start();
      } catch (Exception e) {
        LOG.error("cannot start the next node process: {}", e.toString());
        if (exiting.await(pause, TimeUnit.MILLISECONDS)) {
          return;
        }
        pause = Math.min(pause * 2, 30_000);
        continue;
      }
      LOG.info("started the next node process, pid {}", next.pid());
      CompletableFuture<Process> ended = next.onExit();
      while (exiting.getCount() > 0 && !ended.isDone()) {
        exiting.await(1, TimeUnit.SECONDS);
      }
      if (exiting.getCount() == 0) {
        return;
      }
      LOG.error(
          "the next node process (pid {}) exited with {} before it took over; starting it again in"
              + " {} ms",
          next.pid(),
          next.exitValue(),
          pause);
      if (exiting.await(pause, TimeUnit.MILLISECONDS)) {
        return;
      }
      pause = Math.min(pause * 2, 30_000);
    }
  }

  /** This process's own command line, in a session of its own, told whom it replaces. */
  ProcessBuilder successorCommand() {
    ProcessHandle.Info self = ProcessHandle.current().info();
    List<String> command = new ArrayList<>();
    for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
      if (Files.isExecutable(Path.of(setsid))) {
        command.add(setsid);
        break;
      }
    }
    command.add(self.command().orElseThrow(() -> new IllegalStateException("no command line")));
    command.addAll(List.of(self.arguments().orElse(new String[0])));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put(Successor.ENV, Long.toString(ProcessHandle.current().pid()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    return pb;
  }

  /** SIGTERM: the next process listens on the ports now; drain them and let the JVM end. */
  private void drain() {
    exiting.countDown();
    LOG.info("draining the proxy ports for the next node process");
    List<CompletableFuture<Done>> drains = new ArrayList<>();
    for (TcpProxy.Binding b : publicPorts) {
      drains.add(b.drain(drainGrace).toCompletableFuture());
    }
    try {
      CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new))
          .get(drainGrace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("draining the proxy ports: {}", e.toString());
    }
    LOG.info("handover done; this process exits");
  }
}
