/**
 * The pure rules of an app's JavaScript dependencies (SPEC §10): which package manager a lockfile
 * picks and its install command, what of {@code package.json} keys an install directory, and the
 * start command from {@code scripts.start}. Reads files but runs nothing; may use only the JDK and
 * Jackson. The node runs the installs, the CLI and tako.toml's loader use the start command.
 */
package dev.tako.protocol.deps;
