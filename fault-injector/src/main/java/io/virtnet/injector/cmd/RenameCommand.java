package io.virtnet.injector.cmd;

import io.virtnet.protocol.PhyCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rename IFNAME NEWNAME}: Renames the sim PHY (refused by the agent while it is up). */
@Command(name = "rename", mixinStandardHelpOptions = true, description = "Renames the sim PHY (refused by the agent while it is up).")
public final class RenameCommand extends PhyCommandBase {
  @Parameters(index = "1", paramLabel = "NEWNAME", description = "the new interface name")
  String value;

  @Override
  PhyCommand command() {
    return PhyCommand.of(PhyCommand.Op.RENAME, value);
  }
}
