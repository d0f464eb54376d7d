package dev.tako.node;

import dev.tako.node.cluster.ClusterView;
import dev.tako.node.failover.NodeToNode;
import dev.tako.node.metrics.Metrics;
import dev.tako.node.status.ClusterStatus;
import dev.tako.node.tls.AcmeSettings;
import dev.tako.node.tls.ClusterCertificatePeers;
import dev.tako.node.tls.NodeCertificates;
import dev.tako.node.upgrade.NodeHandover;
import dev.tako.node.upgrade.Successor;
import dev.tako.persistence.NodeLedger;
import dev.tako.proxy.ProxyListener;
import dev.tako.proxy.ProxySettings;
import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.RouteTable;
import dev.tako.proxy.TcpProxy;
import dev.tako.proxy.tls.SelfSignedCertificates;
import dev.tako.supervisor.InFlight;
import dev.tako.supervisor.SupervisorSettings;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;

/**
 * Wires one node: the ledger, the route table and the proxy, the NodeAgent, the management API (on
 * 127.0.0.1 only) and, in the playground, the embedded SSH endpoint. What reads the node home at
 * start (the certificate manager, the SSH endpoint) starts on the blocking dispatcher. A port that
 * cannot be bound, or a part that cannot start, stops the node with the reason in its log (the
 * node's supervisor or the playground reports it).
 */
public final class Guardian {

  /** What the guardian waits for while it starts the node. */
  public sealed interface Command {}

  private record CertificatesStarted(NodeCertificates certificates, Throwable failure)
      implements Command {}

  private record SshStarted(PlaygroundSsh ssh, Throwable failure) implements Command {}

  private Guardian() {}

  /**
   * Spawns the ledger and the route table, starts the certificate manager (it reads the node home,
   * so on the blocking dispatcher), then wires the rest once it is there.
   */
  public static Behavior<Command> create(NodeSettings settings, AdminToken token) {
    return create(settings, token, List.of(), java.util.Optional.empty());
  }

  /**
   * @param leftovers app processes a previous node process left running, for the apps' supervisors
   *     to adopt (see {@link LeftoverProcesses#scan})
   * @param successor present when this process replaces a running one of the same node (a handover,
   *     see {@link NodeHandover}): the proxy ports are bound beside it once the adopted apps serve,
   *     then it is told to go
   */
  public static Behavior<Command> create(
      NodeSettings settings,
      AdminToken token,
      List<LeftoverProcesses.Leftover> leftovers,
      java.util.Optional<Successor> successor) {
    return Behaviors.setup(
        ctx -> {
          ActorSystem<?> system = ctx.getSystem();
          Executor blocking = Blocking.executor(system);
          dev.tako.node.status.Runtimes.measure(blocking); // for status and engines checks
          ClusterView view = new ClusterView(system, settings.askTimeout());
          // ACME certificates (tls = "acme"), self-signed for hosts without one; one order per
          // host for the environment's servers, challenges and certificates shared over the
          // cluster.
          ctx.pipeToSelf(
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return NodeCertificates.start(
                          settings.home(),
                          AcmeSettings.fromConfig(system.settings().config()),
                          new SelfSignedCertificates(),
                          new ClusterCertificatePeers(view, settings.server()));
                    } catch (IOException e) {
                      throw new CompletionException(e);
                    }
                  },
                  blocking),
              CertificatesStarted::new);
          if (settings.sshPort() > 0) {
            ctx.pipeToSelf(
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        return PlaygroundSsh.start(settings.home(), settings.sshPort());
                      } catch (IOException e) {
                        throw new CompletionException(e);
                      }
                    },
                    blocking),
                SshStarted::new);
          }
          return Behaviors.receive(Command.class)
              .onMessage(
                  CertificatesStarted.class,
                  m -> {
                    if (m.failure() != null) {
                      ctx.getLog()
                          .error(
                              "cannot start the certificate manager: {}",
                              StepResult.rootMessage(m.failure()));
                      system.terminate();
                      return Behaviors.empty();
                    }
                    wire(ctx, settings, token, view, m.certificates(), leftovers, successor);
                    return Behaviors.same();
                  })
              .onMessage(
                  SshStarted.class,
                  m -> {
                    sshStarted(system, settings, m);
                    return Behaviors.same();
                  })
              .build();
        });
  }

  /** The NodeAgent, the proxy, the management API and the metrics endpoint. */
  private static void wire(
      ActorContext<Command> ctx,
      NodeSettings settings,
      AdminToken token,
      ClusterView view,
      NodeCertificates nodeCertificates,
      List<LeftoverProcesses.Leftover> leftovers,
      java.util.Optional<Successor> successor) {
    ActorSystem<?> system = ctx.getSystem();
    var log = ctx.getLog();
    ActorRef<NodeLedger.Command> ledger = ctx.spawn(NodeLedger.create(settings.server()), "ledger");
    RouteSnapshots snapshots = new RouteSnapshots();
    // Channels (SPEC §13): the cluster side and the apps' publish endpoint (with each app's
    // [channels] retention from the routes); the proxy serves subscribers through this hub.
    snapshots.channelHub(
        dev.tako.node.channels.ChannelsModule.start(
            ctx,
            settings,
            ledger,
            view,
            (app, env) -> snapshots.current().channels(app + "/" + env).retention()));
    ActorRef<RouteTable.Command> routeTable = ctx.spawn(RouteTable.create(snapshots), "routes");
    SupervisorSettings supervisorSettings =
        SupervisorSettings.fromConfig(system.settings().config());
    ActorRef<NodeAgent.Command> agent =
        ctx.spawn(
            NodeAgent.create(
                settings,
                supervisorSettings,
                ledger,
                routeTable,
                new InFlight() {
                  @Override
                  public int count(int port) {
                    return snapshots.inFlight().count("127.0.0.1", port);
                  }

                  @Override
                  public long lastActiveNanos(int port) {
                    return snapshots.inFlight().lastActiveNanos("127.0.0.1", port);
                  }

                  @Override
                  public void whenIdle(int port, Runnable idle) {
                    snapshots.inFlight().whenIdle("127.0.0.1", port, idle);
                  }
                },
                nodeCertificates,
                nodeCertificates,
                leftovers),
            "agent");
    // A request for an app scaled to zero wakes it (the proxy coalesces per app).
    snapshots.coldStarter(appKey -> agent.tell(new NodeAgent.WakeUp(AppEnv.parse(appKey))));

    // A handover (tako servers upgrade): the apps let go of their processes, the proxy ports
    // serve on from this process until the next one takes them.
    var config = system.settings().config();
    NodeHandover handover =
        new NodeHandover(
            system,
            snapshots,
            () ->
                AskPattern.<NodeAgent.Command, Done>ask(
                    agent,
                    NodeAgent.DetachApps::new,
                    java.time.Duration.ofSeconds(60),
                    system.scheduler()),
            config.getDuration("tako.handover.drain"));

    // HTTPS: certificates by SNI; plain HTTP: ACME challenges, and redirects for apps with TLS on.
    ProxySettings proxySettings = ProxySettings.fromConfig(config);
    Runnable bindPorts =
        () -> {
          CompletableFuture<?> http =
              bindProxy(
                  system,
                  settings,
                  settings.httpPort(),
                  snapshots,
                  proxySettings,
                  new ProxyListener.Plain(nodeCertificates, settings.httpsPort()),
                  successor.isPresent(),
                  handover);
          CompletableFuture<?> https =
              bindProxy(
                  system,
                  settings,
                  settings.httpsPort(),
                  snapshots,
                  proxySettings,
                  new ProxyListener.Tls(nodeCertificates),
                  successor.isPresent(),
                  handover);
          successor.ifPresent(
              s ->
                  CompletableFuture.allOf(http, https)
                      .thenRunAsync(s::takeOver, Blocking.executor(system)));
        };
    if (successor.isEmpty()) {
      bindPorts.run();
    } else {
      // The previous process serves until the instances adopted here are in the routes.
      java.time.Duration wait = config.getDuration("tako.handover.ready-timeout");
      snapshots
          .when(successor.get()::serves)
          .thenApply(r -> true)
          .completeOnTimeout(false, wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
          .thenAccept(
              ready -> {
                if (!ready) {
                  system
                      .log()
                      .warn(
                          "the adopted apps {} were not all ready within {}; taking over the proxy"
                              + " ports anyway",
                          successor.get().apps(),
                          wait);
                }
                bindPorts.run();
              });
    }

    // The status edge keeps every member's last answer, refreshed in the background from here on.
    var status = new ClusterStatus(view).startRefreshing();
    var routes =
        new ManagementRoutes(system, settings, token, agent, view, status, handover).routes();
    Http.get(system)
        .newServerAt("127.0.0.1", settings.apiPort())
        .bind(routes)
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                log.error(
                    "cannot bind the management API on 127.0.0.1:{}: {}",
                    settings.apiPort(),
                    failure.getMessage());
                system.terminate();
              } else {
                log.info("management API on {}", binding.localAddress());
              }
            });

    // The node-to-node listener (mutual TLS): requests peers forward, artifacts peers fetch.
    NodeToNode.start(ctx, settings, snapshots, proxySettings, Blocking.executor(system));

    // Prometheus metrics: loopback only, like the API (a scraper reaches them through SSH or an
    // agent on the server).
    Http.get(system)
        .newServerAt("127.0.0.1", settings.metricsPort())
        .bind(new Metrics(system, settings, agent, view, snapshots.inFlight()).routes())
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                log.warn(
                    "cannot bind the metrics endpoint on 127.0.0.1:{}: {}",
                    settings.metricsPort(),
                    failure.getMessage());
              }
            });

    // Stop the apps before the node goes: no process outlives its node.
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "stop-apps",
            () ->
                NodeHandover.handingOver()
                    ? CompletableFuture.completedFuture(Done.getInstance())
                    : AskPattern.<NodeAgent.Command, Done>ask(
                            agent,
                            NodeAgent.StopApps::new,
                            supervisorSettings.termGrace().plusSeconds(5),
                            system.scheduler())
                        .exceptionally(e -> Done.getInstance()));
  }

  /** The playground's SSH/SFTP endpoint: closed when the node stops; a failure stops the node. */
  private static void sshStarted(ActorSystem<?> system, NodeSettings settings, SshStarted m) {
    if (m.failure() != null) {
      system
          .log()
          .error(
              "cannot start the playground SSH endpoint on 127.0.0.1:{}: {}",
              settings.sshPort(),
              StepResult.rootMessage(m.failure()));
      system.terminate();
      return;
    }
    system.log().info("playground SSH/SFTP on 127.0.0.1:{}", settings.sshPort());
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceUnbind(),
            "stop-ssh",
            () -> {
              try {
                m.ssh().close();
              } catch (IOException e) {
                // closing anyway
              }
              return CompletableFuture.completedFuture(Done.getInstance());
            });
  }

  /**
   * Binds one proxy port ({@code takingOver}: beside the previous process of this node); a port
   * that cannot be bound stops the node (the log says why). Completes once bound.
   */
  private static CompletableFuture<TcpProxy.Binding> bindProxy(
      ActorSystem<?> system,
      NodeSettings settings,
      int port,
      RouteSnapshots snapshots,
      ProxySettings proxySettings,
      ProxyListener listener,
      boolean takingOver,
      NodeHandover handover) {
    String what = listener instanceof ProxyListener.Tls ? "HTTPS" : "HTTP";
    return TcpProxy.bind(
            system, settings.proxyInterface(), port, snapshots, proxySettings, listener, takingOver)
        .whenComplete(
            (binding, failure) -> {
              if (failure != null) {
                system
                    .log()
                    .error(
                        "cannot bind the {} proxy on port {}: {} (choose another port in node.conf:"
                            + " tako.{}-port)",
                        what,
                        port,
                        failure.getMessage(),
                        listener instanceof ProxyListener.Tls ? "https" : "http");
                system.terminate();
              } else {
                handover.publicPort(binding);
                system.log().info("{} proxy listening on {}", what, binding.localAddress());
              }
            })
        .toCompletableFuture();
  }
}
