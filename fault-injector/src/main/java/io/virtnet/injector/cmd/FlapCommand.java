package io.virtnet.injector.cmd;

import io.virtnet.runtime.cli.Durations;
import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.injector.InjectorClient;
import io.virtnet.injector.Pacer;
import io.virtnet.injector.PacedPublisher;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.PhyCommand;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flap IFNAME --count N --interval D}: N carrier off/on pairs, one command per interval, ending with carrier on. */
@Command(name = "flap", mixinStandardHelpOptions = true,
    description = "Flaps one sim PHY's carrier: N off/on pairs, one command every interval; ends with carrier on.")
public final class FlapCommand extends InjectorCommand {
  @Parameters(index = "0", paramLabel = "IFNAME", description = "the sim PHY, e.g. eth0")
  String ifname;

  @Option(names = "--count", paramLabel = "N", defaultValue = "3", description = "off/on pairs, default ${DEFAULT-VALUE}")
  int count;

  @Option(names = "--interval", paramLabel = "D", defaultValue = "1s", converter = Converters.DurationConverter.class,
      description = "time between two commands (10ms, 1s, …), default ${DEFAULT-VALUE}")
  Duration interval;

  @Override
  protected void validate(FaultInjectorMain.Context ctx) {
    requireIfname("IFNAME", ifname);
    if (count < 1 || count > 1_000_000) {
      throw usage("--count must be 1..1000000, got " + count);
    }
  }

  @Override
  protected int run(FaultInjectorMain.Context ctx, InjectorClient client) {
    String topic = ctx.topics().phyCmd(ctx.agent(), ifname);
    List<PacedPublisher.Outgoing> messages = new ArrayList<>(2 * count);
    for (int i = 0; i < count; i++) {
      messages.add(new PacedPublisher.Outgoing(topic, Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, false))));
      messages.add(new PacedPublisher.Outgoing(topic, Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, true))));
    }
    println(out(), "flap " + ifname + ": " + count + " off/on pairs, one command every " + Durations.format(interval) + " to " + topic);
    int[] n = {0};
    PacedPublisher.Result r = PacedPublisher.publish(client, messages, Pacer.ofInterval(interval), m -> {
      n[0]++;
      println(out(), LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " #" + n[0] + " " + ifname + " carrier " + (n[0] % 2 == 1 ? "off" : "on"));
    }, PhyCommandBase.ACK_TIMEOUT);
    println(out(), String.format("flap %s: %d commands in %.2f s; final intended state: %s carrier on",
        ifname, r.sent(), r.elapsed().toNanos() / 1e9, ifname));
    return 0;
  }
}
