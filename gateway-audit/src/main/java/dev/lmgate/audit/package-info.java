/**
 * The tamper-evident audit trail (the audit issue): records built from {@link
 * dev.lmgate.spi.ExchangeSummary}, a Merkle/hash-chained append-only log, signed checkpoints and a
 * verifier. Not built yet; the core already hands every finished exchange, with the filters that
 * ran and their verdicts, to an {@link dev.lmgate.spi.ExchangeListener}.
 */
package dev.lmgate.audit;
