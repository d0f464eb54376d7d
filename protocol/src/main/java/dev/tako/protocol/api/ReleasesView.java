package dev.tako.protocol.api;

import java.util.List;

/**
 * {@code tako releases ls --json} (SPEC §5): release history merged across servers, newest first.
 */
public record ReleasesView(List<Release> releases) {
  public ReleasesView {
    releases = List.copyOf(releases);
  }

  /**
   * @param servers the servers that hold this release
   * @param currentOn the servers where it is the current release
   */
  public record Release(
      String id, String created, String by, List<String> servers, List<String> currentOn) {
    public Release {
      servers = List.copyOf(servers);
      currentOn = List.copyOf(currentOn);
    }
  }
}
