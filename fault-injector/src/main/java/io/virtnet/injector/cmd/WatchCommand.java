package io.virtnet.injector.cmd;

import io.virtnet.runtime.cli.Durations;
import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code watch [--count N] [--timeout D]}: one line per frontend link view on {@code {prefix}/rtos/+/+/link}. */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Prints one line per change of a frontend's link view ({prefix}/rtos/+/+/link).")
public final class WatchCommand extends InjectorCommand {
  @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "stop after N lines (0: no limit)")
  int count;

  @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
      description = "stop after D (10ms, 1s, 2m); exit 1 if --count lines did not arrive by then")
  Duration timeout;

  @Override
  protected void validate(FaultInjectorMain.Context ctx) {
    if (count < 0) {
      throw usage("--count must be >= 0, got " + count);
    }
  }

  @Override
  protected int run(FaultInjectorMain.Context ctx, InjectorClient client) throws InterruptedException {
    BlockingQueue<InjectorClient.Message> queue = new LinkedBlockingQueue<>();
    String filter = ctx.topics().allLinks();
    InjectorClient.join(client.subscribe(filter, queue::add), PhyCommandBase.ACK_TIMEOUT);
    println(out(), "watching " + filter + (count > 0 ? ", until " + count + " change" + (count == 1 ? "" : "s") : "")
        + (timeout != null ? ", at most " + Durations.format(timeout) : ""));
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    int lines = 0;
    while (count == 0 || lines < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      InjectorClient.Message m = queue.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
      if (m != null) {
        println(out(), line(ctx.topics(), m));
        lines++;
      }
    }
    println(out(), "watch: " + lines + " change" + (lines == 1 ? "" : "s") + " seen");
    if (count > 0 && lines < count) {
      println(err(), "watch: timed out with " + lines + " of " + count + " changes");
      return FaultInjectorMain.EXIT_FAILURE;
    }
    return 0;
  }

  /** {@code cpu=2 virtio-net0 carrier=up status=1 gen=7 announces=1 latency=12ms}, or {@code … removed}. */
  static String line(Topics topics, InjectorClient.Message m) {
    String where;
    try {
      TopicName t = topics.parse(m.topic());
      if (!(t instanceof TopicName.RtosLink link)) {
        return m.topic() + " (not a link topic)";
      }
      where = "cpu=" + link.cpu() + " " + link.instance();
    } catch (InvalidMessageException e) {
      return m.topic() + " invalid topic: " + e.getMessage();
    }
    String suffix = m.retained() ? " (retained)" : "";
    if (m.payload().length == 0) {
      return where + " removed" + suffix;
    }
    LinkView v;
    try {
      v = Codecs.LINK_VIEW.decode(m.payload());
    } catch (InvalidMessageException | IllegalArgumentException e) {
      return where + " invalid: " + e.getMessage() + suffix;
    }
    String latency = v.phyTs() == null ? "-" : Duration.between(v.phyTs(), v.ts()).toMillis() + "ms";
    return where + " carrier=" + (v.carrier() ? "up" : "down") + " status=" + v.status() + " gen=" + v.generation()
        + " announces=" + v.announces() + " latency=" + latency + suffix;
  }
}
