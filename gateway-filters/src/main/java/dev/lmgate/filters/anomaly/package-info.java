/** Anomaly detection per caller: bursts, spikes and unusual models; alerts and suspensions. */
package dev.lmgate.filters.anomaly;
