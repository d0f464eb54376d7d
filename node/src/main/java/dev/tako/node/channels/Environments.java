package dev.tako.node.channels;

import java.util.List;

/** Which servers an app/env runs on (its channels are replicated to each of them). */
public interface Environments {
  /** The environment's servers; empty when unknown. */
  List<String> servers(String app, String env);
}
