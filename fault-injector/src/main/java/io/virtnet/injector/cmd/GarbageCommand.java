package io.virtnet.injector.cmd;

import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.injector.GarbageGenerator;
import io.virtnet.injector.GarbageGenerator.Category;
import io.virtnet.injector.GarbageGenerator.Item;
import io.virtnet.injector.GarbageGenerator.TopicKind;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code garbage --count N --seed S [--topics kind,…]}: deterministic hostile input on every topic the
 * services read, never retained. Topics with {@code +} or {@code #} are refused by the client and
 * counted as such.
 */
@Command(name = "garbage", mixinStandardHelpOptions = true,
    description = {"Publishes malformed, mistyped, oversize, misnamed and otherwise hostile messages (never retained)",
        "on every topic the services read. Deterministic by seed."})
public final class GarbageCommand extends InjectorCommand {
  @Option(names = "--count", paramLabel = "N", defaultValue = "100", description = "messages, default ${DEFAULT-VALUE}")
  int count;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "random seed, default ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--topics", paramLabel = "KIND", split = ",",
      description = "topic kinds (default all): cmd, state, event, ref, agent-status, backend-status, device, config, ctrl, irq")
  List<String> topicKinds;

  @Option(names = "--ifname", defaultValue = "eth0", description = "PHY in the valid slots, default ${DEFAULT-VALUE}")
  String ifname;

  @Option(names = "--instance", defaultValue = "virtio-net0", description = "virtio-net instance, default ${DEFAULT-VALUE}")
  String instance;

  @Option(names = "--holder", description = "ref holder, default the instance")
  String holder;

  @Option(names = "--node", defaultValue = "backend0", description = "backend node, default ${DEFAULT-VALUE}")
  String node;

  @Option(names = "--cpu", defaultValue = "2", description = "RTOS CPU, default ${DEFAULT-VALUE}")
  int cpu;

  @Option(names = "--quiet", description = "print the summary only")
  boolean quiet;

  private GarbageGenerator generator;

  @Override
  protected void validate(FaultInjectorMain.Context ctx) {
    if (count < 1 || count > 1_000_000) {
      throw usage("--count must be 1..1000000, got " + count);
    }
    Set<TopicKind> kinds = EnumSet.noneOf(TopicKind.class);
    if (topicKinds == null || topicKinds.isEmpty()) {
      kinds = EnumSet.allOf(TopicKind.class);
    } else {
      for (String k : topicKinds) {
        kinds.add(TopicKind.ofLabel(k));
      }
    }
    requireIfname("--ifname", ifname);
    for (String[] n : new String[][] {{"--instance", instance}, {"--holder", holder == null ? instance : holder}, {"--node", node}}) {
      String problem = Names.instanceProblem(n[1]);
      if (problem != null) {
        throw usage(n[0] + ": " + problem);
      }
    }
    GarbageGenerator.Target target = new GarbageGenerator.Target(ctx.topics().prefix(), ctx.agent(), ifname,
        holder == null ? instance : holder, node, instance, cpu);
    generator = GarbageGenerator.create(target, kinds);
  }

  @Override
  protected int run(FaultInjectorMain.Context ctx, InjectorClient client) {
    List<Item> items = generator.generate(seed, count);
    Map<Category, int[]> byCategory = new EnumMap<>(Category.class);
    Map<TopicKind, int[]> byKind = new EnumMap<>(TopicKind.class);
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    int published = 0;
    int refused = 0;
    for (Item item : items) {
      String refusal = InjectorClient.topicRefusal(item.topic());
      int column = refusal == null ? 0 : 1;
      byCategory.computeIfAbsent(item.category(), c -> new int[2])[column]++;
      byKind.computeIfAbsent(item.kind(), k -> new int[2])[column]++;
      if (refusal == null) {
        // Never retained: retained garbage would greet every later subscriber.
        acks.add(client.publish(item.topic(), item.payload(), false));
        published++;
        if (!quiet) {
          println(out(), "sent    " + item);
        }
      } else {
        refused++;
        if (!quiet) {
          println(out(), "refused " + item + ": " + refusal);
        }
      }
      if (item.expectRefused() != (refusal != null)) {
        println(err(), "note: " + item + (refusal == null ? " was expected to be refused but is publishable" : " was refused: " + refusal));
      }
    }
    InjectorClient.join(CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)), Duration.ofSeconds(30));
    println(out(), String.format("garbage: seed %d, %d messages: %d published (none retained), %d refused client-side (wildcard topic names)",
        seed, items.size(), published, refused));
    println(out(), String.format("  %-16s %9s %8s", "category", "published", "refused"));
    byCategory.forEach((c, n) -> println(out(), String.format("  %-16s %9d %8d", c.label(), n[0], n[1])));
    println(out(), String.format("  %-16s %9s %8s", "topic kind", "published", "refused"));
    byKind.forEach((k, n) -> println(out(), String.format("  %-16s %9d %8d", k.label(), n[0], n[1])));
    return 0;
  }
}
