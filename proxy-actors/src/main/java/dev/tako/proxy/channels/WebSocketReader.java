package dev.tako.proxy.channels;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a client's WebSocket frames incrementally (RFC 6455 §5), strictly: every frame masked,
 * reserved bits clear (no extension is negotiated), known opcodes only, control frames final and at
 * most 125 bytes, lengths in their shortest form, continuation frames only inside a fragmented
 * message, text valid UTF-8, a message at most {@link #MAX_MESSAGE} bytes (checked from the frame
 * header, before any payload is buffered). Binary messages are refused: channel messages are text.
 *
 * <p>Fails by calling {@link Listener#onFail} once with the close code to answer (1002 protocol
 * error, 1003 binary, 1007 bad UTF-8, 1009 too big); after that, or after a close frame, it reads
 * nothing more. One instance per connection; not thread-safe.
 */
public final class WebSocketReader {
  /** The largest message accepted (SPEC §13: 64 KiB, as published bodies). */
  public static final int MAX_MESSAGE = 64 * 1024;

  /** What the frames say. */
  public interface Listener {
    /** A complete text message, UTF-8 checked. */
    void onText(byte[] utf8);

    void onPing(byte[] payload);

    /** The client closes; {@code code} is 1005 when its frame had none. */
    void onClose(int code, String reason);

    /** The client broke the protocol: answer with a close frame of {@code code}. */
    void onFail(int code, String reason);
  }

  private enum Step {
    HEADER,
    LENGTH,
    MASK,
    PAYLOAD,
    DONE
  }

  private final Listener listener;
  private Step step = Step.HEADER;
  private final byte[] header = new byte[8];
  private int headerFill;
  private int headerNeed;
  private boolean fin;
  private int opcode;
  private long length;
  private final byte[] mask = new byte[4];
  private int maskFill;
  private long payloadRead;

  /** Opcode of the fragmented message in progress (TEXT), or 0. */
  private int messageOpcode;

  private byte[] message = new byte[256];
  private int messageLength;
  private final byte[] control = new byte[125];
  private int controlLength;

  public WebSocketReader(Listener listener) {
    this.listener = listener;
  }

  /** Whether it stopped reading (a close frame or a failure). */
  public boolean done() {
    return step == Step.DONE;
  }

  /** Consumes {@code buf[from, to)}; call again with the next bytes. */
  public void feed(byte[] buf, int from, int to) {
    int i = from;
    while (i < to && step != Step.DONE) {
      switch (step) {
        case HEADER -> i = firstBytes(buf, i, to);
        case LENGTH -> {
          header[headerFill++] = buf[i++];
          if (headerFill == headerNeed) {
            extendedLength();
          }
        }
        case MASK -> {
          mask[maskFill++] = buf[i++];
          if (maskFill == 4) {
            startPayload();
          }
        }
        case PAYLOAD -> i = payload(buf, i, to);
        default -> i = to;
      }
    }
  }

  private int firstBytes(byte[] buf, int i, int to) {
    header[headerFill++] = buf[i++];
    if (headerFill < 2) {
      return i;
    }
    int b0 = header[0] & 0xFF;
    int b1 = header[1] & 0xFF;
    fin = (b0 & 0x80) != 0;
    opcode = b0 & 0x0F;
    if ((b0 & 0x70) != 0) {
      return fail(1002, "reserved bits set without an extension", to);
    }
    boolean controlFrame = (opcode & 0x8) != 0;
    if (opcode != 0
        && opcode != WebSocketFrames.TEXT
        && opcode != WebSocketFrames.BINARY
        && opcode != WebSocketFrames.CLOSE
        && opcode != WebSocketFrames.PING
        && opcode != WebSocketFrames.PONG) {
      return fail(1002, "unknown opcode " + opcode, to);
    }
    if ((b1 & 0x80) == 0) {
      return fail(1002, "client frames must be masked", to);
    }
    if (controlFrame && !fin) {
      return fail(1002, "fragmented control frame", to);
    }
    if (opcode == WebSocketFrames.BINARY) {
      return fail(1003, "binary messages are not accepted; send text", to);
    }
    if (opcode == 0 && messageOpcode == 0) {
      return fail(1002, "continuation frame without a message to continue", to);
    }
    if (opcode == WebSocketFrames.TEXT && messageOpcode != 0) {
      return fail(1002, "new message inside a fragmented one", to);
    }
    int len7 = b1 & 0x7F;
    if (controlFrame && len7 > 125) {
      return fail(1002, "control frame longer than 125 bytes", to);
    }
    if (len7 < 126) {
      length = len7;
      return lengthKnown(to, i);
    }
    headerNeed = len7 == 126 ? 2 : 8;
    headerFill = 0;
    step = Step.LENGTH;
    return i;
  }

  private void extendedLength() {
    long len = 0;
    for (int k = 0; k < headerNeed; k++) {
      len = (len << 8) | (header[k] & 0xFF);
    }
    if (headerNeed == 8 && (header[0] & 0x80) != 0) {
      fail(1002, "frame length with its top bit set", 0);
      return;
    }
    if ((headerNeed == 2 && len < 126) || (headerNeed == 8 && len <= 0xFFFF)) {
      fail(1002, "frame length not in its shortest form", 0);
      return;
    }
    length = len;
    lengthKnown(0, 0);
  }

  private int lengthKnown(int to, int i) {
    boolean controlFrame = (opcode & 0x8) != 0;
    if (!controlFrame && messageLength + length > MAX_MESSAGE) {
      return fail(1009, "message over " + MAX_MESSAGE + " bytes", to);
    }
    maskFill = 0;
    step = Step.MASK;
    return i;
  }

  private void startPayload() {
    payloadRead = 0;
    controlLength = 0;
    if ((opcode & 0x8) == 0) {
      int need = (int) (messageLength + length);
      if (need > message.length) {
        message = Arrays.copyOf(message, Math.min(MAX_MESSAGE, Math.max(need, message.length * 2)));
      }
    }
    step = Step.PAYLOAD;
    if (length == 0) {
      frameDone();
    }
  }

  private int payload(byte[] buf, int i, int to) {
    int n = (int) Math.min(to - i, length - payloadRead);
    boolean controlFrame = (opcode & 0x8) != 0;
    for (int k = 0; k < n; k++) {
      byte b = (byte) (buf[i + k] ^ mask[(int) ((payloadRead + k) & 3)]);
      if (controlFrame) {
        control[controlLength++] = b;
      } else {
        message[messageLength++] = b;
      }
    }
    payloadRead += n;
    if (payloadRead == length) {
      frameDone();
    }
    return i + n;
  }

  private void frameDone() {
    step = Step.HEADER;
    headerFill = 0;
    switch (opcode) {
      case WebSocketFrames.PING -> listener.onPing(Arrays.copyOf(control, controlLength));
      case WebSocketFrames.PONG -> {}
      case WebSocketFrames.CLOSE -> closeFrame();
      default -> {
        if (opcode == WebSocketFrames.TEXT) {
          messageOpcode = WebSocketFrames.TEXT;
        }
        if (fin) {
          byte[] text = Arrays.copyOf(message, messageLength);
          messageLength = 0;
          messageOpcode = 0;
          if (message.length > 4096) {
            message = new byte[256]; // a big message does not keep its buffer
          }
          if (!validUtf8(text)) {
            fail(1007, "text message is not valid UTF-8", 0);
            return;
          }
          listener.onText(text);
        }
      }
    }
  }

  private void closeFrame() {
    if (controlLength == 1) {
      fail(1002, "close frame with a one-byte payload", 0);
      return;
    }
    int code = 1005;
    String reason = "";
    if (controlLength >= 2) {
      code = ((control[0] & 0xFF) << 8) | (control[1] & 0xFF);
      if (!validCloseCode(code)) {
        fail(1002, "invalid close code " + code, 0);
        return;
      }
      byte[] r = Arrays.copyOfRange(control, 2, controlLength);
      if (!validUtf8(r)) {
        fail(1007, "close reason is not valid UTF-8", 0);
        return;
      }
      reason = new String(r, StandardCharsets.UTF_8);
    }
    step = Step.DONE;
    listener.onClose(code, reason);
  }

  /** RFC 6455 §7.4: codes a peer may send. */
  static boolean validCloseCode(int code) {
    return (code >= 1000 && code <= 1003)
        || (code >= 1007 && code <= 1011)
        || (code >= 3000 && code <= 4999);
  }

  static boolean validUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private int fail(int code, String reason, int to) {
    step = Step.DONE;
    listener.onFail(code, reason);
    return to;
  }
}
