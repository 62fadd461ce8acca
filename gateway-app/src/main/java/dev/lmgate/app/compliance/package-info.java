/** The compliance report: which of the handbook's controls the configuration enforces. */
package dev.lmgate.app.compliance;
