package dev.tako.cli.ssh;

/** What to do with a host key that no known_hosts file knows. A changed key is always refused. */
public enum HostKeyPolicy {
  /** Refuse an unknown host key. */
  STRICT,
  /** Accept an unknown host key and record it (what {@code --accept-new-host-key} asks for). */
  ACCEPT_NEW
}
