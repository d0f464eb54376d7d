/**
 * {@code tako delete}: removing an app's environment from the servers. The coordinating node asks
 * every named server's NodeAgent at once ({@link dev.tako.node.delete.DeleteRoutes}); each agent
 * takes the app out of its ledger (its routes answer 404 from then on), drains and stops its
 * instances, then removes its files ({@link dev.tako.node.delete.AppDeletion}). Uses the ledger,
 * the supervisors and the artifact store of the node; knows nothing of deploys.
 */
package dev.tako.node.delete;
