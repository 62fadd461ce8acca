/** The stream guard: filters see streamed text before the client does. */
package dev.lmgate.core.stream;
