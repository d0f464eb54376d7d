/**
 * Packing an app for a deploy: runs {@code [build].run}, or package.json's {@code build} script
 * after installing every dependency, in a copy of the project ({@code LocalBuild}), selects files
 * by include/exclude and writes a reproducible tar.gz whose SHA-256 names the artifact. May use
 * {@code protocol} and commons-compress.
 */
package dev.tako.cli.pack;
