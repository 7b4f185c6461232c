package io.virtnet.backend.api;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.RemoteTargets;
import io.virtnet.runtime.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's HTTP API (docs/contract.md §7) over a {@link BackendApi}; no business logic here.
 * Every error is JSON {@code {"error":"…"}} with a 4xx (or 5xx) status.
 */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  private static final String JSON = "application/json";
  /** An instance config is a few hundred bytes. */
  private static final long BODY_LIMIT = 16 * 1024;

  private final BackendApi api;
  private final String host;
  private final int port;
  private final RemoteTargets remoteTargets;
  private HttpServer server;

  /** An API that refuses (403) an instance whose frontend names a remote target {@code remoteTargets} does not list. */
  public ApiVerticle(BackendApi api, String host, int port, RemoteTargets remoteTargets) {
    this.api = api;
    this.host = host;
    this.port = port;
    this.remoteTargets = remoteTargets;
  }

  /** The port bound (the configured one, or the free one chosen for port 0); -1 before start. */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    router.get("/api/instances").handler(ctx -> reply(ctx, 200, api.instances()));
    router.post("/api/instances").handler(this::addInstance);
    router.get("/api/instances/:name").handler(ctx -> reply(ctx, 200, api.instance(name(ctx))));
    router.delete("/api/instances/:name").handler(ctx -> api.removeInstance(name(ctx))
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail));
    router.put("/api/instances/:name/carrier-notify").handler(this::carrierNotify);
    router.post("/api/instances/:name/announce").handler(ctx -> reply(ctx, 200, api.announce(name(ctx))));
    router.get("/api/instances/:name/policy").handler(ctx -> reply(ctx, 200, api.policy(name(ctx))));
    router.put("/api/instances/:name/policy").handler(this::putPolicy);
    router.get("/api/phys").handler(ctx -> reply(ctx, 200, api.phys()));
    router.post("/api/phys/:agent/:ifname/cmd").handler(this::phyCommand);
    router.get("/api/frontends").handler(ctx -> reply(ctx, 200, api.frontends()));
    router.get("/api/timeline").handler(ctx -> reply(ctx, 200, api.timeline()));
    router.get("/api/events").handler(this::events);
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(api.metrics()));
    router.get("/health").handler(ctx -> api.health()
        .onSuccess(h -> json(ctx, "DOWN".equals(h.getString("status")) ? 503 : 200, h.encode()))
        .onFailure(ctx::fail));
    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router.route().last().handler(ctx -> error(ctx, 404, "no such resource: " + ctx.request().method() + " " + ctx.normalizedPath()));
    router.errorHandler(400, ctx -> failure(ctx, 400));
    router.errorHandler(404, ctx -> failure(ctx, 404));
    router.errorHandler(405, ctx -> failure(ctx, 405));
    router.errorHandler(413, ctx -> failure(ctx, 413));
    router.errorHandler(500, ctx -> failure(ctx, 500));
    return vertx.createHttpServer().requestHandler(router).listen(port, host)
        .onSuccess(s -> server = s);
  }

  private void addInstance(RoutingContext ctx) {
    JsonObject body = bodyObject(ctx);
    if (body == null) {
      return;
    }
    InstanceConfig c;
    try {
      c = InstanceConfig.fromJson(body);
    } catch (ConfigException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    String refused = remoteTargets.refusal(c.frontend());
    if (refused != null) {
      error(ctx, 403, refused);
      return;
    }
    api.addInstance(c)
        .onSuccess(snap -> ctx.response().setStatusCode(201)
            .putHeader("Location", "/api/instances/" + c.name())
            .putHeader("Content-Type", JSON).end(snap.encode()))
        .onFailure(ctx::fail);
  }

  private void carrierNotify(RoutingContext ctx) {
    String name = name(ctx);
    JsonObject body = bodyObject(ctx);
    if (body == null || name == null) {
      return;
    }
    if (!body.fieldNames().equals(java.util.Set.of("enabled")) || !(body.getValue("enabled") instanceof Boolean b)) {
      error(ctx, 400, "body must be {\"enabled\":true|false}");
      return;
    }
    reply(ctx, 200, api.setCarrierNotify(name, b));
  }

  /** A sim PHY command ({@link PhyCommand} JSON), published on the PHY's {@code cmd} topic: 202. */
  private void phyCommand(RoutingContext ctx) {
    String agent = ctx.pathParam("agent");
    String ifname = ctx.pathParam("ifname");
    String problem = Names.instanceProblem(agent);
    if (problem != null) {
      error(ctx, 400, "invalid agent name: " + problem);
      return;
    }
    problem = Names.ifnameProblem(ifname);
    if (problem != null) {
      error(ctx, 400, "invalid interface name: " + problem);
      return;
    }
    PhyCommand cmd;
    try {
      io.vertx.core.buffer.Buffer body = ctx.body() == null ? null : ctx.body().buffer();
      cmd = Codecs.PHY_COMMAND.decode(body == null ? new byte[0] : body.getBytes());
    } catch (InvalidMessageException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    api.phyCommand(agent, ifname, cmd)
        .onSuccess(v -> json(ctx, 202, new JsonObject().put("agent", agent).put("ifname", ifname)
            .put("command", new JsonObject(io.vertx.core.buffer.Buffer.buffer(Codecs.PHY_COMMAND.encode(cmd)))).encode()))
        .onFailure(ctx::fail);
  }

  /** The full policy JSON, validated as in config: a 400 names the field. */
  private void putPolicy(RoutingContext ctx) {
    String name = name(ctx);
    JsonObject body = bodyObject(ctx);
    if (body == null || name == null) {
      return;
    }
    LinkPolicyConfig p;
    try {
      p = LinkPolicyConfig.fromJson(body);
    } catch (ConfigException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    reply(ctx, 200, api.setPolicy(name, p));
  }

  /** Server-sent events: one event per instance, PHY or link-view change. */
  private void events(RoutingContext ctx) {
    HttpServerResponse r = ctx.response();
    r.setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("Connection", "keep-alive");
    r.write(": virtnet-backend events\n\n");
    Runnable stopListening = api.onChange(e -> {
      if (r.closed() || r.ended()) {
        return;
      }
      if (r.writeQueueFull()) {
        return; // a slow client loses events rather than growing the heap; the next one catches up
      }
      r.write("event: " + e.getString("type") + "\ndata: " + e.getJsonObject("data").encode() + "\n\n");
    });
    r.closeHandler(v -> stopListening.run());
    r.exceptionHandler(e -> stopListening.run());
  }

  /** The path's instance name, or null after answering 400. */
  private static String name(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    String problem = Names.instanceProblem(name);
    if (problem != null) {
      throw ApiException.badRequest("invalid instance name: " + problem);
    }
    return name;
  }

  /** The body as a JSON object, or null after answering 400. */
  private static JsonObject bodyObject(RoutingContext ctx) {
    try {
      JsonObject o = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
      if (o == null) {
        error(ctx, 400, "body must be a JSON object");
      }
      return o;
    } catch (DecodeException | ClassCastException e) {
      error(ctx, 400, "body must be a JSON object");
      return null;
    }
  }

  private static void reply(RoutingContext ctx, int status, Future<?> result) {
    result.onSuccess(v -> json(ctx, status, v instanceof JsonObject o ? o.encode()
            : v instanceof io.vertx.core.json.JsonArray a ? a.encode() : String.valueOf(v)))
        .onFailure(ctx::fail);
  }

  private static void failure(RoutingContext ctx, int dflt) {
    Throwable t = ctx.failure();
    if (t instanceof ApiException e) {
      error(ctx, e.status(), e.getMessage());
    } else if (t instanceof ConfigException e) {
      error(ctx, 400, e.getMessage());
    } else if (dflt == 500 || (t != null && dflt >= 500)) {
      LOG.error("HTTP {} {} failed", ctx.request().method(), ctx.normalizedPath(), t);
      error(ctx, 500, "internal error: " + (t == null ? "unknown" : t.getMessage()));
    } else {
      error(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : dflt, statusText(dflt));
    }
  }

  private static String statusText(int status) {
    return switch (status) {
      case 400 -> "bad request";
      case 404 -> "no such resource";
      case 405 -> "method not allowed";
      case 413 -> "request body too large";
      default -> "error " + status;
    };
  }

  private static void error(RoutingContext ctx, int status, String message) {
    json(ctx, status, new JsonObject().put("error", message).encode());
  }

  private static void json(RoutingContext ctx, int status, String body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", JSON).end(body);
  }
}
