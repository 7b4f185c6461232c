package io.virtnet.backend.api;

/** A request the node refuses, with the HTTP status to answer (404 unknown, 409 conflict, 400 bad). */
public final class ApiException extends RuntimeException {
  private final int status;

  public ApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, message);
  }

  public static ApiException conflict(String message) {
    return new ApiException(409, message);
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, message);
  }
}
