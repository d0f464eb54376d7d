package dev.tako.protocol.api;

/**
 * Every error a node's management API returns: what is wrong and, where one field is to blame, its
 * name.
 */
public record ApiError(String error, String field) {
  public static ApiError of(String error) {
    return new ApiError(error, null);
  }
}
