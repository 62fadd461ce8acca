/**
 * API dialects: how each LM Studio route's JSON maps to the normalized conversation and output, how
 * its streams are framed and ended, and how its errors look.
 */
package dev.lmgate.core.dialect;
