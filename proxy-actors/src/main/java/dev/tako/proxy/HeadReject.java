package dev.tako.proxy;

/**
 * Why a message head was refused: the status to answer (400, 414, 431, 501 or 505 for a request;
 * the caller answers 502 for a response) and a short reason for the log. The connection answers it
 * and closes, since the bytes after a refused head cannot be framed.
 */
record HeadReject(int status, String reason) {
  /** The reason phrase of the status line. */
  String phrase() {
    return switch (status) {
      case 414 -> "URI Too Long";
      case 431 -> "Request Header Fields Too Large";
      case 501 -> "Not Implemented";
      case 505 -> "HTTP Version Not Supported";
      default -> "Bad Request";
    };
  }
}
