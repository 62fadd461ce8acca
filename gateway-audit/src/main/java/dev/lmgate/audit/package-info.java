/**
 * The tamper-evident audit trail (docs/audit.md). {@link dev.lmgate.audit.AuditTrail} is the
 * gateway's {@link dev.lmgate.spi.ExchangeListener}: it turns exchanges and security events into
 * records ({@code record}), appends them to the hash-chained, Merkle-tree log with group commit
 * ({@code log}, {@code merkle}), signs checkpoints as C2SP signed notes ({@code checkpoint}),
 * encrypts payloads under per-day keys and destroys them at retention ({@code crypto}), exports to
 * SIEMs ({@code export}) and raises alerts ({@code alert}). {@code verify} checks a log, an
 * inclusion proof or a consistency proof offline.
 */
package dev.lmgate.audit;
