/**
 * The compliance report: which of the handbook's controls the configuration, as the gateway loads
 * it, enforces, and what the evidence given (an audit log, a pinned verifier key, the SBOM) shows;
 * "not verified" where evidence is missing, never "enforced".
 */
package dev.lmgate.app.compliance;
