package dev.tako.proxy;

/**
 * Size limits of a message head, as nginx's defaults ({@code large_client_header_buffers 4 8k}):
 * the request line (414 beyond), each header line (431 beyond) and the whole head (431 beyond). No
 * separate count of header lines: the head's size bounds it. Lengths exclude line endings.
 *
 * @param maxRequestLine tako.proxy.max-request-line
 * @param maxHeaderLine tako.proxy.max-header-line
 * @param maxHead tako.proxy.max-head, leading empty lines and the blank line included
 */
public record HeadLimits(int maxRequestLine, int maxHeaderLine, int maxHead) {
  public static final HeadLimits DEFAULTS = new HeadLimits(8 * 1024, 8 * 1024, 32 * 1024);

  public HeadLimits {
    if (maxRequestLine <= 0 || maxHeaderLine <= 0 || maxHead <= 0) {
      throw new IllegalArgumentException(
          "tako.proxy.max-request-line, max-header-line and max-head must be positive");
    }
    if (maxHead < maxRequestLine || maxHead < maxHeaderLine) {
      throw new IllegalArgumentException(
          "tako.proxy.max-head must be at least max-request-line and max-header-line");
    }
  }
}
