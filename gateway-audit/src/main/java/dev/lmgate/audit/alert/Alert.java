package dev.lmgate.audit.alert;

import java.time.Instant;

/**
 * A real-time alert for the security team.
 *
 * @param name a stable id: {@code auth_failure_burst}, {@code blocked_burst}, {@code
 *     audit_write_failed}, {@code audit_records_dropped}, {@code audit_tampered}, {@code
 *     key_revoked}
 * @param severity {@code critical} or {@code warning}
 * @param time when it was raised
 * @param summary a sentence for humans, without secrets or payloads
 */
public record Alert(String name, String severity, Instant time, String summary) {}
