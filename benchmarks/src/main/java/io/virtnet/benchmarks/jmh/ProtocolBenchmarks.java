package io.virtnet.benchmarks.jmh;

import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.mqtt.TopicFilter;
import java.time.Instant;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-message work of the hot path, one benchmark per step: a NETDEV event decoded and validated
 * (backend, per instance), the config and IRQ encoded (backend), decoded (frontend), the link view
 * encoded (frontend), topics built and parsed, a wildcard filter matched (every session, per message).
 * Run with {@code java -jar benchmarks/target/benchmarks.jar -prof gc} for allocation per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProtocolBenchmarks {
  private final Topics topics = Topics.defaults();
  private final Instant ts = Instant.parse("2026-11-22T15:00:00.123456Z");
  private final NetdevState state = new NetdevState("linux0", "eth0", 2,
      EnumSet.of(IfFlag.UP, IfFlag.BROADCAST, IfFlag.RUNNING, IfFlag.MULTICAST, IfFlag.LOWER_UP), OperState.UP, true,
      1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 3, 2, RegState.REGISTERED, ts, 1_700_000_000_000_042L);
  private final NetdevEvent event = new NetdevEvent(NetdevCmd.NETDEV_CHANGE, 1_700_000_000_000_042L, state, null);
  private final byte[] eventPayload = Codecs.NETDEV_EVENT.encode(event);
  private final VirtioNetConfig config = new VirtioNetConfig(new byte[] {0x52, 0x54, 0, 0x12, 0x34, 0x56},
      VirtioNetConfig.S_LINK_UP, 1, 1500, 1000, 1, 0, 0, 0);
  private final byte[] configWire = config.encodeWire(7);
  private final IrqMessage irq = new IrqMessage(42, "virtio-net0", VirtioNetConfig.ISR_CONFIG, 7, ts, ts);
  private final byte[] irqPayload = Codecs.IRQ.encode(irq);
  private final LinkView view = new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 1, "52:54:00:12:34:56", "virtio", ts, ts);
  private final byte[] viewPayload = Codecs.LINK_VIEW.encode(view);
  private final String linkTopic = topics.rtosLink(2, "virtio-net0");
  private final String linkFilter = topics.allLinks();

  @Benchmark
  public NetdevEvent eventDecodeValidate() {
    return Codecs.NETDEV_EVENT.decode(eventPayload);
  }

  @Benchmark
  public byte[] eventEncode() {
    return Codecs.NETDEV_EVENT.encode(event);
  }

  @Benchmark
  public byte[] configEncode() {
    return config.encodeWire(8);
  }

  @Benchmark
  public VirtioNetConfig.Generational configDecode() {
    return VirtioNetConfig.decodeWire(configWire);
  }

  @Benchmark
  public byte[] irqEncode() {
    return Codecs.IRQ.encode(irq);
  }

  @Benchmark
  public IrqMessage irqDecode() {
    return Codecs.IRQ.decode(irqPayload);
  }

  @Benchmark
  public byte[] linkViewEncode() {
    return Codecs.LINK_VIEW.encode(view);
  }

  @Benchmark
  public LinkView linkViewDecode() {
    return Codecs.LINK_VIEW.decode(viewPayload);
  }

  @Benchmark
  public TopicName topicParse() {
    return topics.parse(linkTopic);
  }

  @Benchmark
  public String topicBuild() {
    return topics.phyEvent("linux0", "eth0");
  }

  @Benchmark
  public boolean topicFilterMatch() {
    return TopicFilter.matches(linkFilter, linkTopic);
  }
}
