/**
 * The filter-chain runner: runs filters in order, asynchronously, and records proof of enforcement.
 */
package dev.lmgate.core.chain;
