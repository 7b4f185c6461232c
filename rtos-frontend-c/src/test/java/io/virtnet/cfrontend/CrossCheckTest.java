package io.virtnet.cfrontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.injector.GarbageGenerator;
import io.virtnet.injector.GarbageGenerator.TopicKind;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The C core and the Java decoders of netdev-protocol fed the same vectors (golden ones from
 * {@link GoldenVectors} and a fixed seeded garbage corpus from the fault injector's generator, all
 * written to target/vectors/ as hex topic and payload per line) give the same accept/reject, the same reason and the same decoded fields.
 * The C side is {@code vnet-vectors} (tests/vnet_vectors.c), which prints the same canonical line.
 */
@Timeout(60)
class CrossCheckTest {
  static final long GARBAGE_SEED = 42;
  static final int GARBAGE_COUNT = 2000;
  private static final Topics TOPICS = Topics.of("vnet");
  private static final HexFormat HEX = HexFormat.of();

  /** One input: the topic it arrives on and its payload. */
  record Vector(String topic, byte[] payload, String note) {}

  @Test
  void goldenVectors_sameVerdictAndFieldsInCAndJava() throws Exception {
    assertSame("golden", GoldenVectors.all());
  }

  @Test
  void garbageCorpus_sameVerdictInCAndJava() throws Exception {
    GarbageGenerator.Target target = new GarbageGenerator.Target("vnet", "linux0", "eth0", "virtio-net7", "backend0",
        "virtio-net7", 7);
    List<Vector> corpus = new ArrayList<>();
    for (GarbageGenerator.Item item : GarbageGenerator.create(target,
        EnumSet.of(TopicKind.DEVICE, TopicKind.CONFIG, TopicKind.CTRL, TopicKind.IRQ)).generate(GARBAGE_SEED, GARBAGE_COUNT)) {
      if (!item.expectRefused()) { // a wildcard topic never reaches a subscriber
        corpus.add(new Vector(item.topic(), item.payload(), item.toString()));
      }
    }
    List<String> verdicts = assertSame("garbage", corpus);
    assertThat(verdicts).as("the corpus is garbage").allMatch(v -> v.startsWith("reject") || v.startsWith("ok"));
    // vnet-vectors also fed every item to a driver node of CPU 7 (under ASan/UBSan): garbage changed nothing
    assertThat(Files.readString(Path.of("target", "vectors", "garbage.txt.c-err")))
        .contains("the driver node published 0 messages");
  }

  /** Runs both sides over {@code vectors}; returns the verdicts. */
  private static List<String> assertSame(String name, List<Vector> vectors) throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "vectors"));
    Path file = dir.resolve(name + ".txt");
    StringBuilder in = new StringBuilder();
    for (Vector v : vectors) {
      in.append(HEX.formatHex(v.topic().getBytes(StandardCharsets.UTF_8))).append(' ')
          .append(v.payload().length == 0 ? "-" : HEX.formatHex(v.payload())).append('\n');
    }
    Files.writeString(file, in);
    List<String> c = runC(file);
    List<String> java = vectors.stream().map(CrossCheckTest::java).toList();
    assertThat(c).as("one C line per vector").hasSize(vectors.size());
    List<String> diffs = new ArrayList<>();
    for (int i = 0; i < vectors.size(); i++) {
      if (!c.get(i).equals(java.get(i))) {
        Vector v = vectors.get(i);
        String text = new String(v.payload(), StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
        diffs.add("#" + i + " " + v.note() + " on " + v.topic() + ": " + text.substring(0, Math.min(text.length(), 160))
            + "\n   C:    " + c.get(i) + "\n   Java: " + java.get(i));
      }
    }
    assertThat(diffs).as(name + ": vectors where C and Java disagree (of " + vectors.size() + ")").isEmpty();
    return java;
  }

  private static List<String> runC(Path file) throws IOException, InterruptedException {
    Path tool = Path.of(System.getProperty("vnet.c.build", "target/cmake")).resolve("vnet-vectors");
    Path out = file.resolveSibling(file.getFileName() + ".c-out");
    Path err = file.resolveSibling(file.getFileName() + ".c-err");
    Process p = new ProcessBuilder(tool.toString(), file.toString()).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("vnet-vectors finishes").isTrue();
    assertThat(p.exitValue()).as("vnet-vectors exit code (ASan/UBSan abort on error): " + Files.readString(err)).isZero();
    return Files.readAllLines(out, StandardCharsets.UTF_8);
  }

  /** The Java side's canonical line, as the services route the topic: the same format as vnet_vectors.c. */
  static String java(Vector v) {
    try {
      TopicName t = TOPICS.parse(v.topic());
      if (t instanceof TopicName.VirtioConfigTopic) {
        VirtioNetConfig.Generational g = Codecs.CONFIG.decode(v.payload());
        VirtioNetConfig c = g.config();
        return String.format(Locale.ROOT, "ok gen=%d mac=%s status=%d pairs=%d mtu=%d speed=%d duplex=%d rsskey=%d "
            + "rssind=%d hash=%d", g.generation(), c.macString(), c.status(), c.maxVirtqueuePairs(), c.mtu(), c.speed(),
            c.duplex(), c.rssMaxKeySize(), c.rssMaxIndirectionTableLength(), c.supportedHashTypes());
      }
      if (t instanceof TopicName.RtosIrq) {
        IrqMessage m = Codecs.IRQ.decode(v.payload());
        StringBuilder b = new StringBuilder("ok n=" + m.irqs().size());
        for (Irq irq : m.irqs()) {
          b.append(String.format(Locale.ROOT, " | irq=%d instance=%s isr=%d gen=%d phyTs=%s", irq.irq(), irq.instance(),
              irq.isr(), irq.generation(), instant(irq.phyTs())));
        }
        return b.toString();
      }
      if (t instanceof TopicName.VirtioDevice dt) {
        DeviceInfo d = Codecs.DEVICE.decode(v.payload());
        if (!d.instance().equals(dt.instance())) {
          return "reject instance-mismatch";
        }
        return String.format(Locale.ROOT, "ok instance=%s cpu=%d irq=%d features=0x%x phy=%s agent=%s frontend=%d",
            d.instance(), d.cpu(), d.irq(), VirtioFeature.toBits(d.deviceFeatures()), d.phy(), d.agent(),
            d.frontend() == null ? 0 : 1);
      }
      if (t instanceof TopicName.VirtioCtrl) {
        CtrlMessage m = Codecs.CTRL.decode(v.payload());
        if (m instanceof CtrlMessage.DriverFeatures f) {
          return String.format(Locale.ROOT, "ok features=0x%x", VirtioFeature.toBits(f.features()));
        }
        CtrlMessage.Command cmd = (CtrlMessage.Command) m;
        return "ok class=" + cmd.ctrlClass() + " cmd=" + cmd.cmd();
      }
      return "reject invalid-name"; // no topic of these four shapes
    } catch (InvalidMessageException e) {
      return "reject " + e.reason();
    }
  }

  private static String instant(Instant t) {
    return t == null ? "-" : String.format(Locale.ROOT, "%d.%09d", t.getEpochSecond(), t.getNano());
  }
}
