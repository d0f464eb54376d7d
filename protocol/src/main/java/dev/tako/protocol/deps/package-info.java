/**
 * The pure rules of an app's JavaScript dependencies (SPEC §10): which package manager a lockfile
 * picks and its install command, what of {@code package.json} keys an install directory, and the
 * start command from {@code scripts.start}, the local build's commands, pnpm and yarn through
 * corepack, and npm's version ranges for {@code engines}. Reads files and {@code PATH} but runs
 * nothing; may use only the JDK and Jackson. The node runs the installs, the CLI and tako.toml's
 * loader use the start command.
 */
package dev.tako.protocol.deps;
