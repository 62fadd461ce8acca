/** Incremental Server-Sent Events parsing that keeps each event's original bytes. */
package dev.lmgate.core.sse;
