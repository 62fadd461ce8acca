/**
 * The Netty proxy: server pipeline, exchanges, upstream pool. See {@link
 * dev.lmgate.core.proxy.Pipelines} for the handlers in order.
 */
package dev.lmgate.core.proxy;
