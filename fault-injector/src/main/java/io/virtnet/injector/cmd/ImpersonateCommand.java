package io.virtnet.injector.cmd;

import io.virtnet.runtime.cli.Durations;
import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.injector.Impersonation;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code impersonate --agent fake0|linux0 --ifname eth0 --mode stale|duplicate|reorder --count N}:
 * NETDEV events with stale, duplicated or reordered sequence numbers, based on the real PHY's
 * retained state (read from the top-level {@code --agent}).
 */
@Command(name = "impersonate", mixinStandardHelpOptions = true,
    description = {"Publishes NETDEV events as an agent (fake or the real one) with stale, duplicate or reordered seq.",
        "Reads the real PHY's retained state (of the top-level --agent) first."})
public final class ImpersonateCommand extends InjectorCommand {
  @Option(names = "--agent", paramLabel = "AGENT", description = "the agent to speak as (fake0, or the real one); default the top-level --agent")
  String as;

  @Option(names = "--ifname", defaultValue = "eth0", description = "the PHY, default ${DEFAULT-VALUE}")
  String ifname;

  @Option(names = "--mode", required = true, paramLabel = "stale|duplicate|reorder", description = "what kind of lie")
  String mode;

  @Option(names = "--count", paramLabel = "N", defaultValue = "5", description = "events, default ${DEFAULT-VALUE}")
  int count;

  @Option(names = "--state-timeout", paramLabel = "D", defaultValue = "2s", converter = Converters.DurationConverter.class,
      description = "how long to wait for the real retained state, default ${DEFAULT-VALUE}")
  Duration stateTimeout;

  private Impersonation.Mode parsedMode;

  @Override
  protected void validate(FaultInjectorMain.Context ctx) {
    if (as != null && Names.instanceProblem(as) != null) {
      throw usage("--agent: " + Names.instanceProblem(as));
    }
    requireIfname("--ifname", ifname);
    parsedMode = Impersonation.Mode.of(mode);
    if (count < 1 || count > 100_000) {
      throw usage("--count must be 1..100000, got " + count);
    }
  }

  @Override
  protected int run(FaultInjectorMain.Context ctx, InjectorClient client) {
    String speaker = as == null ? ctx.agent() : as;
    String stateTopic = ctx.topics().phyState(ctx.agent(), ifname);
    Optional<InjectorClient.Message> retained = InjectorClient.join(client.retained(stateTopic, stateTimeout), stateTimeout.plusSeconds(10));
    if (retained.isEmpty() || retained.get().payload().length == 0) {
      println(err(), "impersonate: no retained state on " + stateTopic + " within " + Durations.format(stateTimeout)
          + "; the real seq is needed (is agent " + ctx.agent() + " running with " + ifname + "?)");
      return FaultInjectorMain.EXIT_FAILURE;
    }
    NetdevState real;
    try {
      real = Codecs.NETDEV_STATE.decode(retained.get().payload());
    } catch (InvalidMessageException e) {
      println(err(), "impersonate: the retained state on " + stateTopic + " is invalid: " + e.getMessage());
      return FaultInjectorMain.EXIT_FAILURE;
    }
    if (real.seq() <= 0) {
      println(err(), "impersonate: the retained state on " + stateTopic + " carries no seq");
      return FaultInjectorMain.EXIT_FAILURE;
    }
    println(out(), "real state of " + ctx.agent() + "/" + ifname + ": seq " + real.seq() + ", carrier " + (real.carrier() ? "up" : "down"));
    List<NetdevEvent> events = Impersonation.plan(real, speaker, parsedMode, count, Instant.now());
    String topic = ctx.topics().phyEvent(speaker, ifname);
    for (NetdevEvent e : events) {
      InjectorClient.join(client.publish(topic, Codecs.NETDEV_EVENT.encode(e), false), PhyCommandBase.ACK_TIMEOUT);
      println(out(), "sent seq=" + e.seq() + " " + e.event() + " carrier=" + (e.state().carrier() ? "up" : "down") + " to " + topic);
    }
    String expectation = switch (parsedMode) {
      case STALE -> "every seq is below the real " + real.seq() + ": a correct receiver applies none";
      case DUPLICATE -> "one seq sent " + events.size() + " times: a correct receiver applies it at most once";
      case REORDER -> "seqs sent out of order: a correct receiver ends at seq " + (real.seq() + events.size())
          + " with carrier " + (real.carrier() ? "up" : "down");
    };
    println(out(), "impersonate " + speaker + "/" + ifname + ": mode " + parsedMode.name().toLowerCase() + ", "
        + events.size() + " events" + (events.size() < count ? " (only " + events.size() + " seqs exist below the real one)" : "")
        + "; " + expectation);
    return 0;
  }
}
