/**
 * A simulated LM Studio: serves the recorded payloads of {@code ../shared/fixtures} (or a small
 * built-in set) so the gateway runs without LM Studio ({@code lmgate demo}) and tests have an
 * upstream. A runtime module: no test library.
 */
package dev.lmgate.simulator;
