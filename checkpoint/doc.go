// Package checkpoint will hold the checkpoint coordinator (periodic trigger,
// timeout, min pause, max concurrent, tolerable failures), the storage
// layout (<dir>/<job-id>/chk-<n>/_metadata, shared/, taskowned/), retention,
// savepoints and restore resolution.
//
// It is built by the checkpoint issue. What exists already, in package
// runtime: barriers travel in band and are aligned across inputs
// (EXACTLY_ONCE) or not (AT_LEAST_ONCE); every source and operator is
// snapshotted when a barrier passes (SnapshotState); Job.TriggerCheckpoint
// starts a checkpoint, JobOptions.OnCheckpoint receives the states of all
// operator instances once every task acknowledged it, and
// OperatorContext.StateRestore hands restored state back to an instance.
package checkpoint
