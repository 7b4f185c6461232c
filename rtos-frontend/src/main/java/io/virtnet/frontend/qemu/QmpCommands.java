package io.virtnet.frontend.qemu;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The commands of one QMP client waiting for their reply: ids, the per-command timeout, and matching a
 * reply to its command (by id, else the oldest: QMP answers in order). Used on the client's context.
 */
final class QmpCommands {
  private final Vertx vertx;
  private final Duration timeout;
  private final Consumer<String> errorSink;
  private final Map<Long, Pending> pending = new LinkedHashMap<>();
  private long nextId;
  private volatile long failed;
  private volatile long lateReplies;

  private record Pending(String command, Promise<JsonObject> promise, long timer) {}

  /** {@code errorSink} is told the text of every failure (the client's {@code lastError}). */
  QmpCommands(Vertx vertx, Duration timeout, Consumer<String> errorSink) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.errorSink = errorSink;
  }

  /** Registers a command and returns its id; {@code promise} fails if no reply comes in time. */
  long register(String command, Promise<JsonObject> promise) {
    long id = ++nextId;
    long timer = vertx.setTimer(timeout.toMillis(), t -> {
      Pending p = pending.remove(id);
      if (p != null) {
        failed++;
        String text = "QMP " + command + " got no reply within " + timeout.toMillis() + " ms";
        errorSink.accept(text);
        p.promise().fail(new QmpException(QmpException.Reason.TIMEOUT, null, text));
      }
    });
    pending.put(id, new Pending(command, promise, timer));
    return id;
  }

  /** The command could not even be written. */
  void writeFailed(long id, Throwable cause) {
    Pending p = pending.remove(id);
    if (p != null) {
      vertx.cancelTimer(p.timer());
      failed++;
      p.promise().fail(new QmpException(QmpException.Reason.CLOSED, null,
          "QMP " + p.command() + ": write failed: " + cause.getMessage()));
    }
  }

  /** Completes the command {@code reply} answers; false if none waits for it (it timed out earlier). */
  boolean complete(QmpWire.Reply reply) {
    Pending p = null;
    if (reply.id() != null) {
      p = pending.remove(reply.id());
    } else if (!pending.isEmpty()) {
      Iterator<Pending> it = pending.values().iterator();
      p = it.next();
      it.remove();
    }
    if (p == null) {
      lateReplies++;
      return false;
    }
    vertx.cancelTimer(p.timer());
    if (reply.error() != null) {
      failed++;
      String text = "QMP " + p.command() + " failed: " + reply.error().errorClass() + ": " + reply.error().desc();
      errorSink.accept(text);
      p.promise().fail(new QmpException(QmpException.Reason.ERROR_REPLY, reply.error().errorClass(), text));
    } else {
      p.promise().complete(reply.result());
    }
    return true;
  }

  /** Fails every waiting command: the session that would have answered is gone. */
  void failAll(String reason) {
    List<Pending> waiting = new ArrayList<>(pending.values());
    pending.clear();
    for (Pending p : waiting) {
      vertx.cancelTimer(p.timer());
      failed++;
      p.promise().fail(new QmpException(QmpException.Reason.CLOSED, null, "QMP " + p.command() + ": " + reason));
    }
  }

  /** Counts a command refused before sending (no session). */
  void refused() {
    failed++;
  }

  long failed() {
    return failed;
  }

  long lateReplies() {
    return lateReplies;
  }
}
