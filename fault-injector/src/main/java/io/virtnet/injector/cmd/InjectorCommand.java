package io.virtnet.injector.cmd;

import io.virtnet.injector.BrokerUnreachableException;
import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.Names;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The life of every subcommand: validate locally (exit 2), connect (exit 3 when the broker cannot be
 * reached), run, disconnect. Expected failures print one line, never a stack trace.
 */
public abstract class InjectorCommand implements Callable<Integer> {
  @ParentCommand
  protected FaultInjectorMain main;

  @Spec
  protected CommandSpec spec;

  /** Checks the arguments before any connection; report problems with {@link #usage(String)}. */
  protected abstract void validate(FaultInjectorMain.Context ctx);

  /** Does the work; returns the exit code. */
  protected abstract int run(FaultInjectorMain.Context ctx, InjectorClient client) throws InterruptedException;

  @Override
  public final Integer call() {
    FaultInjectorMain.Context ctx = main.context(spec.commandLine());
    try {
      validate(ctx);
    } catch (InvalidMessageException | IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    InjectorClient client;
    try {
      client = InjectorClient.connectBlocking(ctx.broker(), InjectorClient.CONNECT_TIMEOUT);
    } catch (BrokerUnreachableException e) {
      err().println(e.getMessage());
      err().flush();
      return FaultInjectorMain.EXIT_UNREACHABLE;
    }
    try (client) {
      return run(ctx, client);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err().println("interrupted");
      return FaultInjectorMain.EXIT_FAILURE;
    } catch (RuntimeException e) {
      err().println(spec.name() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return FaultInjectorMain.EXIT_FAILURE;
    } finally {
      out().flush();
      err().flush();
    }
  }

  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  protected PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** A usage error (exit 2) with {@code message}. */
  protected ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  protected void requireIfname(String what, String name) {
    String problem = Names.ifnameProblem(name);
    if (problem != null) {
      throw usage(what + ": " + problem);
    }
  }

  protected static void println(PrintWriter w, String line) {
    w.println(line);
    w.flush();
  }
}
