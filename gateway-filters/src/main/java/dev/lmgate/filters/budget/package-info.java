/**
 * Bounded work per request: a {@link dev.lmgate.filters.budget.ScanBudget} that long scans check
 * cooperatively (so a timed-out scan stops instead of running on), and a {@link
 * dev.lmgate.filters.budget.FairScanScheduler} that runs heavy scans on a small pool, one caller at
 * a time per worker in round-robin order, so one caller's heavy requests queue behind each other
 * rather than in front of other callers' requests.
 */
package dev.lmgate.filters.budget;
