/**
 * TLS termination for the proxy: certificate choice by SNI, self-signed certificates on first use
 * and the ACME HTTP-01 challenge answers. May use the JDK's TLS and BouncyCastle.
 */
package dev.tako.proxy.tls;
