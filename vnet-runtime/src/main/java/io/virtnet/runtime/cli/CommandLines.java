package io.virtnet.runtime.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/**
 * The one way our mains build their picocli {@link CommandLine}: a bad option or config prints its
 * error and one line pointing to {@code --help}, instead of the error buried above the whole usage.
 */
public final class CommandLines {
  private CommandLines() {}

  /** A command line for {@code command} whose parameter errors print short. */
  public static CommandLine create(Object command) {
    CommandLine cl = new CommandLine(command);
    cl.setParameterExceptionHandler(SHORT_ERRORS);
    return cl;
  }

  /** Prints "name: error" and "Run 'name --help' for usage.", returns the usage exit code. */
  static final IParameterExceptionHandler SHORT_ERRORS = (ParameterException e, String[] args) -> {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    String name = cl.getCommandSpec().qualifiedName();
    err.println(name + ": " + e.getMessage());
    err.println("Run '" + name + " --help' for usage.");
    err.flush();
    return cl.getExitCodeExceptionMapper() != null
        ? cl.getExitCodeExceptionMapper().getExitCode(e)
        : cl.getCommandSpec().exitCodeOnInvalidInput();
  };
}
