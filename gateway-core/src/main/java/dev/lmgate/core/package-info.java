/**
 * lmgate's core: the Netty proxy, the route table, dialects, the filter chain and the stream guard.
 */
package dev.lmgate.core;
