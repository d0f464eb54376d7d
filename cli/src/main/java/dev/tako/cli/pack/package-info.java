/**
 * Packing an app for a deploy: runs {@code [build]} in a copy of the project, selects files by
 * include/exclude and writes a reproducible tar.gz whose SHA-256 names the artifact. May use {@code
 * protocol} and commons-compress.
 */
package dev.tako.cli.pack;
