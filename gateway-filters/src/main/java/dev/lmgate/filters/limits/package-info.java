/** Request limits: output tokens, message count and body size, per route. */
package dev.lmgate.filters.limits;
