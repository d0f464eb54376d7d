/**
 * The app's encrypted secrets file ({@code .tako/secrets.json}) and the per-app, per-environment
 * keys in {@code $TAKO_HOME/keys}: written by {@code tako secrets}, read by deploys and by {@code
 * tako dev}'s process. Uses {@code protocol.crypto} and Jackson only.
 */
package dev.tako.protocol.secrets;
