package io.virtnet.injector.cmd;

import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.PhyCommand;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Parameters;

/** One sim PHY command on {@code {prefix}/phy/{agent}/{ifname}/cmd}, validated by the protocol's rules first. */
abstract class PhyCommandBase extends InjectorCommand {
  static final Duration ACK_TIMEOUT = Duration.ofSeconds(10);

  @Parameters(index = "0", paramLabel = "IFNAME", description = "the sim PHY, e.g. eth0")
  String ifname;

  private PhyCommand command;

  /** The command to send; may throw InvalidMessageException, reported as a usage error. */
  abstract PhyCommand command();

  @Override
  protected void validate(FaultInjectorMain.Context ctx) {
    requireIfname("IFNAME", ifname);
    command = command();
  }

  @Override
  protected int run(FaultInjectorMain.Context ctx, InjectorClient client) {
    String topic = ctx.topics().phyCmd(ctx.agent(), ifname);
    byte[] payload = Codecs.PHY_COMMAND.encode(command);
    InjectorClient.join(client.publish(topic, payload, false), ACK_TIMEOUT);
    println(out(), "sent " + new String(payload, StandardCharsets.UTF_8) + " to " + topic);
    println(out(), spec.name() + " " + ifname + ": 1 command published (QoS 1, acknowledged by the broker)");
    return 0;
  }
}
