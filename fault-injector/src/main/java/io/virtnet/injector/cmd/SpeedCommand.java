package io.virtnet.injector.cmd;

import io.virtnet.protocol.PhyCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code speed IFNAME MBPS}: Sets the sim PHY's speed in Mbit/s ('unknown' or -1 for unknown). */
@Command(name = "speed", mixinStandardHelpOptions = true, description = "Sets the sim PHY's speed in Mbit/s ('unknown' or -1 for unknown).")
public final class SpeedCommand extends PhyCommandBase {
  @Parameters(index = "1", paramLabel = "MBPS", description = "Mbit/s, or unknown", converter = Converters.Speed.class)
  int value;

  @Override
  PhyCommand command() {
    return PhyCommand.of(PhyCommand.Op.SPEED, value);
  }
}
