/**
 * Detectors for sensitive values (emails, credentials, card numbers …), shared by the guards and
 * the audit trail.
 */
package dev.lmgate.filters.sensitive;
