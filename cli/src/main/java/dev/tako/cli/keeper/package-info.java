/**
 * SSH connection reuse between commands, as OpenSSH's ControlMaster/ControlPersist: a small
 * background process per Tako home ({@link dev.tako.cli.keeper.ConnectionKeeper}) holds the
 * authenticated connections and the forwards to the node APIs, reached over a Unix socket only the
 * user can open; {@link dev.tako.cli.keeper.Keeper} is the CLI's side.
 */
package dev.tako.cli.keeper;
