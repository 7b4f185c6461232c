package io.virtnet.injector.cmd;

import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.injector.InjectorClient;
import io.virtnet.injector.Pacer;
import io.virtnet.injector.PacedPublisher;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.PhyCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code storm --phys eth0,eth1|N --flaps N --rate R}: carrier flaps on many PHYs at R commands per
 * second overall; in each round every PHY goes off, then every PHY comes back on, so the storm ends
 * with every carrier on.
 */
@Command(name = "storm", mixinStandardHelpOptions = true,
    description = "Carrier storm on many sim PHYs at a fixed overall rate; ends with every carrier on.")
public final class StormCommand extends InjectorCommand {
  static final int MAX_GENERATED_PHYS = 4096;

  @Option(names = "--phys", paramLabel = "eth0,eth1|N", defaultValue = "eth0",
      description = "PHY names, or a count N for eth0..eth(N-1); default ${DEFAULT-VALUE}")
  String phys;

  @Option(names = "--flaps", paramLabel = "N", defaultValue = "10", description = "off/on pairs per PHY, default ${DEFAULT-VALUE}")
  int flaps;

  @Option(names = "--rate", paramLabel = "R", defaultValue = "100", description = "commands per second overall, default ${DEFAULT-VALUE}")
  double rate;

  private List<String> names;

  @Override
  protected void validate(FaultInjectorMain.Context ctx) {
    names = parsePhys(phys);
    if (flaps < 1 || flaps > 1_000_000) {
      throw usage("--flaps must be 1..1000000, got " + flaps);
    }
    if (!(rate > 0) || rate > 1_000_000) {
      throw usage("--rate must be > 0 and at most 1000000 commands per second, got " + rate);
    }
  }

  private List<String> parsePhys(String spec) {
    List<String> out = new ArrayList<>();
    if (spec.matches("\\d{1,9}")) {
      int n = Integer.parseInt(spec);
      if (n < 1 || n > MAX_GENERATED_PHYS) {
        throw usage("--phys N must be 1.." + MAX_GENERATED_PHYS + ", got " + n);
      }
      for (int i = 0; i < n; i++) {
        out.add("eth" + i);
      }
      return out;
    }
    for (String name : spec.split(",", -1)) {
      requireIfname("--phys", name.trim());
      if (out.contains(name.trim())) {
        throw usage("--phys names " + name.trim() + " twice");
      }
      out.add(name.trim());
    }
    return out;
  }

  @Override
  protected int run(FaultInjectorMain.Context ctx, InjectorClient client) {
    byte[] off = Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, false));
    byte[] on = Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, true));
    List<PacedPublisher.Outgoing> messages = new ArrayList<>(2 * flaps * names.size());
    for (int f = 0; f < flaps; f++) {
      for (String n : names) {
        messages.add(new PacedPublisher.Outgoing(ctx.topics().phyCmd(ctx.agent(), n), off));
      }
      for (String n : names) {
        messages.add(new PacedPublisher.Outgoing(ctx.topics().phyCmd(ctx.agent(), n), on));
      }
    }
    String list = names.size() <= 8 ? String.join(",", names) : names.get(0) + ".." + names.get(names.size() - 1);
    println(out(), String.format("storm: %d PHYs (%s) of agent %s, %d off/on pairs each, %d commands at %.1f/s (about %.1f s)",
        names.size(), list, ctx.agent(), flaps, messages.size(), rate, messages.size() / rate));
    long progressEvery = Math.max(1, Math.round(rate * 5)); // a progress line about every 5 s
    int[] sent = {0};
    PacedPublisher.Result r = PacedPublisher.publish(client, messages, Pacer.ofRate(rate), m -> {
      if (++sent[0] % progressEvery == 0 && sent[0] < messages.size()) {
        println(out(), "  " + sent[0] + "/" + messages.size() + " sent");
      }
    }, Duration.ofSeconds(30));
    println(out(), String.format("storm: %d commands to %d PHYs in %.2f s (%.1f/s, target %.1f/s); final intended state: every PHY carrier on",
        r.sent(), names.size(), r.elapsed().toNanos() / 1e9, r.rate(), rate));
    return 0;
  }
}
