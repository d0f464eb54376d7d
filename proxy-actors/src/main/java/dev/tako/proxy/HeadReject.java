package dev.tako.proxy;

/**
 * Why a message head was refused: the status to answer (400, 414, 431, 501 or 505 for a request;
 * the caller answers 502 for a response) and a short reason for the log. The connection answers it
 * and closes, since the bytes after a refused head cannot be framed.
 */
record HeadReject(int status, String reason) {
  static HeadReject badRequest(String reason) {
    return new HeadReject(400, reason);
  }
}
