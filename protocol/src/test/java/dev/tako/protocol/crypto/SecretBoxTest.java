package dev.tako.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
  final SecretBox box = new SecretBox(SecretBox.newKey());
  final byte[] value = "p@ss\nword".getBytes(StandardCharsets.UTF_8);

  @Test
  void sealsAndOpensWithAFreshNonceEachTime() throws SecretException {
    SecretBox.Sealed a = box.seal(value, "app/prod/DB");
    SecretBox.Sealed b = box.seal(value, "app/prod/DB");
    assertNotEquals(a.nonce(), b.nonce());
    assertNotEquals(a.ct(), b.ct());
    assertArrayEquals(value, box.open(a, "app/prod/DB"));
  }

  @Test
  void refusesAnotherKeyAnotherPlaceOrAlteredData() {
    SecretBox.Sealed sealed = box.seal(value, "app/prod/DB");
    assertThrows(
        SecretException.class, () -> new SecretBox(SecretBox.newKey()).open(sealed, "app/prod/DB"));
    assertThrows(SecretException.class, () -> box.open(sealed, "app/prod/OTHER"));
    byte[] ct = Base64.getDecoder().decode(sealed.ct());
    ct[0] ^= 1;
    assertThrows(
        SecretException.class,
        () ->
            box.open(
                new SecretBox.Sealed(sealed.nonce(), Base64.getEncoder().encodeToString(ct)),
                "app/prod/DB"));
  }
}
